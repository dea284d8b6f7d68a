"""Shared pieces of the side-by-side benchmark scripts in this folder.

Every script: creates or reuses Benchmarks/.venv for the peers (PyPI packages only here, never a
runtime dependency of the engine), builds the `graphbench` package in release, runs each
measurement in its own process and records the peak resident memory of that process.
"""
import json, os, subprocess, sys, time, venv

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV = os.path.join(HERE, ".venv")
DATA = os.path.join(HERE, "data")
RESULTS = os.path.join(HERE, "results")


def sh(cmd, **kw):
    """Runs a command, echoing it to stderr; raises on failure."""
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, **kw)


def ensure_venv(*packages):
    """Creates Benchmarks/.venv if needed, installs `packages` into it, returns its python."""
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        venv.create(VENV, with_pip=True)
    if packages:
        sh([py, "-m", "pip", "install", "-q", *packages])
    return py


def build_graphbench():
    """Builds Benchmarks/ in release; returns the path of the graphbench binary."""
    sh(["swift", "build", "-c", "release", "--package-path", HERE, "--product", "graphbench"])
    return os.path.join(HERE, ".build", "release", "graphbench")


def run_measured(cmd, env=None):
    """Runs `cmd`; returns (wall seconds, peak RSS in MiB from wait4's ru_maxrss, stdout text).
    Exits the script if the command fails."""
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"command failed ({status}): {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024.0, out.decode()


def measure(cmd, env=None):
    """Runs `cmd` and returns the JSON object on its last stdout line, plus `peak_rss_mib`."""
    _, rss, out = run_measured(cmd, env)
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mib"] = rss
    return result


def rmat_edge_list(py, scale=20, edge_factor=16, seed=1):
    """Path of the R-MAT edge list Benchmarks/data/rmat<scale>.tsv, generated once (atomically)."""
    os.makedirs(DATA, exist_ok=True)
    path = os.path.join(DATA, f"rmat{scale}.tsv")
    if not os.path.exists(path):
        sh([py, os.path.join(HERE, "python", "rmat.py"), "--scale", str(scale), "--edge-factor",
            str(edge_factor), "--seed", str(seed), path + ".tmp"])
        os.replace(path + ".tmp", path)
    return path
