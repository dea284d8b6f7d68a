#!/usr/bin/env python3
"""Side-by-side benchmark harness: GraphLearning against NumPy/SciPy on the same machine, same run.

    python3 Benchmarks/run.py                 # blogcatalog + R-MAT 2^20 (generated once, ~250 MB)
    python3 Benchmarks/run.py --skip-rmat     # blogcatalog only

Creates Benchmarks/.venv (numpy, scipy from PyPI), builds Benchmarks/ (graphbench) in release,
runs every measurement in its own process, records wall time reported by the tool (best of
--repeats) and the process's peak resident memory (ru_maxrss from wait4), and prints a Markdown
table for BENCHMARKS.md. Raw results go to Benchmarks/results/latest.jsonl.
"""
import argparse, json, os, platform, subprocess, sys, venv

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV = os.path.join(HERE, ".venv")
DATA = os.path.join(HERE, "data")
RESULTS = os.path.join(HERE, "results")


def sh(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, **kw)


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        venv.create(VENV, with_pip=True)
    sh([py, "-m", "pip", "install", "-q", "numpy", "scipy", "threadpoolctl"])
    return py


def measure(cmd, env=None):
    """Runs cmd, returns (parsed JSON from its last stdout line, peak RSS in MiB)."""
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"command failed ({status}): {' '.join(cmd)}")
    line = out.decode().strip().splitlines()[-1]
    result = json.loads(line)
    result["peak_rss_mib"] = usage.ru_maxrss / 1024.0
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skip-rmat", action="store_true")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()

    py = ensure_venv()
    os.makedirs(DATA, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    graphs = [("blogcatalog", os.path.join(ROOT, "graphs", "blogcatalog", "edges.tsv"))]
    if not args.skip_rmat:
        rmat = os.path.join(DATA, "rmat20.tsv")
        if not os.path.exists(rmat):
            sh([py, os.path.join(HERE, "python", "rmat.py"), "--scale", "20", "--edge-factor", "16", rmat + ".tmp"])
            os.replace(rmat + ".tmp", rmat)
        graphs.append(("R-MAT 2^20", rmat))

    sh(["swift", "build", "-c", "release", "--package-path", HERE, "--product", "graphbench"])
    bench = os.path.join(HERE, ".build", "release", "graphbench")

    # NumPy's OpenBLAS settings do not matter for these two tasks (loadtxt, csr @ dense are
    # single-threaded C++ in NumPy/SciPy); keep the environment as it is.
    rows = []
    with open(os.path.join(RESULTS, "latest.jsonl"), "w") as log:
        for name, path in graphs:
            r = {"graph": name}
            r["ours_parse"] = measure([bench, "parse", path, "--repeats", str(args.repeats)])
            r["numpy_parse"] = measure([py, os.path.join(HERE, "python", "peers.py"), "parse", path, "--repeats", str(args.repeats)])
            r["ours_spmm"] = measure([bench, "spmm", path, "--dim", str(args.dim), "--threads", str(args.threads), "--repeats", str(args.repeats)])
            r["ours_spmm_1t"] = measure([bench, "spmm", path, "--dim", str(args.dim), "--threads", "1", "--repeats", str(args.repeats)])
            r["scipy_spmm"] = measure([py, os.path.join(HERE, "python", "peers.py"), "spmm", path, "--dim", str(args.dim), "--repeats", str(args.repeats)])
            if r["ours_spmm"]["nnz"] != r["scipy_spmm"]["nnz"]:
                raise SystemExit(f"nnz differs on {name}: {r['ours_spmm']['nnz']} vs {r['scipy_spmm']['nnz']}")
            log.write(json.dumps(r) + "\n")
            rows.append(r)

    print(f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"best of {args.repeats}; SpMM dim {args.dim}, {args.threads} threads.\n")
    print("| graph | task | GraphLearning s | peer | peer s | speed-up | GraphLearning peak MiB | peer peak MiB |")
    print("|---|---|---:|---|---:|---:|---:|---:|")
    for r in rows:
        o, n = r["ours_parse"], r["numpy_parse"]
        print(f"| {r['graph']} ({o['edges']:,} edges) | parse edge list | {o['seconds']:.3f} | numpy.loadtxt | {n['seconds']:.3f} | "
              f"{n['seconds'] / o['seconds']:.1f}× | {o['peak_rss_mib']:.0f} | {n['peak_rss_mib']:.0f} |")
        for key, label in (("ours_spmm", f"SpMM d={args.dim}, {args.threads} threads"), ("ours_spmm_1t", f"SpMM d={args.dim}, 1 thread")):
            o, s = r[key], r["scipy_spmm"]
            print(f"| {r['graph']} (nnz {o['nnz']:,}) | {label} | {o['seconds']:.3f} | scipy csr @ dense | {s['seconds']:.3f} | "
                  f"{s['seconds'] / o['seconds']:.1f}× | {o['peak_rss_mib']:.0f} | {s['peak_rss_mib']:.0f} |")


if __name__ == "__main__":
    main()
