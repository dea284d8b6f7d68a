#!/usr/bin/env python3
"""FastRP side by side: `fastrp embed` against a SciPy implementation and the Rust FastRP (PyPI `fastrp`).

    python3 Benchmarks/fastrp_bench.py                  # blogcatalog + R-MAT 2^20, best of 3
    python3 Benchmarks/fastrp_bench.py --skip-rmat --repeats 1
    python3 Benchmarks/fastrp_bench.py --fastrp .build/release/fastrp   # use an existing binary

Every run is its own process: the edge list is read from TSV, embedded (dim 128, k = 4 iterations,
weights 1,1,7.81,45.28, β = -0.628 unless overridden) and written as float32 .npy. Reported per
tool: embed seconds (as the tool measures it), end-to-end seconds (process wall time: start →
.npy written, including interpreter start-up and imports for the Python peers) and peak resident
memory (ru_maxrss from wait4). Times are the best of --repeats runs, memory the largest.

Threads: fastrp --threads 2 (all cores here); Rust fastrp uses rayon on all cores
(RAYON_NUM_THREADS = cores); the SciPy peer is single-threaded (csr @ dense is).
Creates/updates Benchmarks/.venv (numpy, scipy, pandas, fastrp); raw results go to
Benchmarks/results/fastrp_latest.jsonl; prints a Markdown table for BENCHMARKS.md.
"""
import argparse, json, os, platform, tempfile

from harness import DATA, HERE, RESULTS, ROOT, run_measured as measure, sh
from harness import ensure_venv as ensure_harness_venv


def ensure_venv():
    return ensure_harness_venv("numpy", "scipy", "pandas", "fastrp")


def run_ours(binary, edges, out, args, threads, extra):
    with tempfile.TemporaryDirectory() as tmp:
        metrics = os.path.join(tmp, "m.jsonl")
        wall, rss, _ = measure([binary, "embed", edges, "-o", out, "--dim", str(args.dim), "--weights", args.weights,
                                "--normalization-strength", str(args.beta), "--threads", str(threads), "--quiet",
                                "--metrics", metrics] + extra)
        m = json.loads(open(metrics).read().splitlines()[-1])
    return {"embed_seconds": m["embed_seconds"], "read_seconds": m["load_seconds"], "write_seconds": m["write_seconds"],
            "wall_seconds": wall, "peak_rss_mib": rss, "dense_matrices": m["dense_matrices"], "nodes": m["nodes"],
            "nnz": m["stored_edges"]}


def run_peer(py, tool, edges, out, args, threads):
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    wall, rss, text = measure([py, os.path.join(HERE, "python", "fastrp_peers.py"), tool, edges, out, "--dim", str(args.dim),
                               "--weights", args.weights, "--beta", str(args.beta)], env=env)
    r = json.loads(text.strip().splitlines()[-1])
    r.update(wall_seconds=wall, peak_rss_mib=rss)
    return r


def best(runs):
    out = dict(runs[0])
    for key in ("embed_seconds", "wall_seconds", "read_seconds", "write_seconds"):
        if key in out:
            out[key] = min(r[key] for r in runs)
    out["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skip-rmat", action="store_true")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--weights", default="1,1,7.81,45.28")
    p.add_argument("--beta", type=float, default=-0.628)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--fastrp", help="fastrp binary (default: build the release product of the main package)")
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
    binary = args.fastrp
    if binary is None:
        sh(["swift", "build", "-c", "release", "--package-path", ROOT, "--product", "fastrp"])
        binary = os.path.join(ROOT, ".build", "release", "fastrp")

    tools = [
        ("fastrp (s = √n)", lambda e, o: run_ours(binary, e, o, args, args.threads, [])),
        ("fastrp (s = 3)", lambda e, o: run_ours(binary, e, o, args, args.threads, ["--sparsity", "3"])),
        ("Rust fastrp 0.1.1", lambda e, o: run_peer(py, "rust", e, o, args, args.threads)),
        ("SciPy", lambda e, o: run_peer(py, "scipy", e, o, args, args.threads)),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as tmp, open(os.path.join(RESULTS, "fastrp_latest.jsonl"), "w") as log:
        out = os.path.join(tmp, "emb.npy")
        for name, edges in graphs:
            runs = {tool: [] for tool, _ in tools}
            # Interleave the tools so a busy machine slows all of them alike.
            for _ in range(args.repeats):
                for tool, fn in tools:
                    runs[tool].append(fn(edges, out))
            for tool, _ in tools:
                r = best(runs[tool])
                r.update(graph=name, tool=tool)
                log.write(json.dumps(r) + "\n")
                rows.append(r)

    print(f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; best of {args.repeats}; "
          f"dim {args.dim}, k = {len(args.weights.split(','))}, weights {args.weights}, β = {args.beta}; "
          f"fastrp and Rust fastrp on {args.threads} threads, SciPy single-threaded.\n")
    print("| graph | tool | embed s | end-to-end s | peak MiB | embed: fastrp faster by | end-to-end: fastrp faster by |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, _ in graphs:
        ours = next(r for r in rows if r["graph"] == name and r["tool"] == tools[0][0])
        for r in (r for r in rows if r["graph"] == name):
            ratio = "" if r is ours else f"{r['embed_seconds'] / ours['embed_seconds']:.1f}×"
            e2e = "" if r is ours else f"{r['wall_seconds'] / ours['wall_seconds']:.1f}×"
            print(f"| {name} | {r['tool']} | {r['embed_seconds']:.3f} | {r['wall_seconds']:.2f} | {r['peak_rss_mib']:.0f} | {ratio} | {e2e} |")


if __name__ == "__main__":
    main()
