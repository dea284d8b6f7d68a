#!/usr/bin/env python3
"""Side-by-side benchmark harness: GraphLearning against NumPy/SciPy on the same machine, same run.

    python3 Benchmarks/run.py                 # blogcatalog + R-MAT 2^20 (generated once, ~250 MB)
    python3 Benchmarks/run.py --skip-rmat     # blogcatalog only

Creates Benchmarks/.venv (numpy, scipy from PyPI), builds Benchmarks/ (graphbench) in release,
runs every measurement in its own process, records wall time reported by the tool (best of
--repeats) and the process's peak resident memory (ru_maxrss from wait4), and prints a Markdown
table for BENCHMARKS.md. Raw results go to Benchmarks/results/latest.jsonl.
"""
import argparse, json, os, platform

from harness import RESULTS, ROOT, HERE, build_graphbench, ensure_venv, measure, rmat_edge_list


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skip-rmat", action="store_true")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()

    py = ensure_venv("numpy", "scipy")
    os.makedirs(RESULTS, exist_ok=True)
    graphs = [("blogcatalog", os.path.join(ROOT, "graphs", "blogcatalog", "edges.tsv"))]
    if not args.skip_rmat:
        graphs.append(("R-MAT 2^20", rmat_edge_list(py)))
    bench = build_graphbench()

    # loadtxt and csr @ dense are single-threaded C/C++ in NumPy/SciPy; OpenBLAS is not involved.
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
