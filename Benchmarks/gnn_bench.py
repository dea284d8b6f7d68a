#!/usr/bin/env python3
"""Side-by-side GNN training benchmark: GraphLearning against PyTorch Geometric, same machine,
same run (issue 4).

    python3 Benchmarks/gnn_bench.py                # Cora + R-MAT 2^20 (128 features)
    python3 Benchmarks/gnn_bench.py --skip-rmat    # Cora only

Creates/uses Benchmarks/.venv (torch, torch-geometric, numpy, scipy from PyPI), builds
Benchmarks/ (graphbench) in release, and runs every measurement in its own process: per-epoch
time of one training step (forward + loss + backward + Adam), the best and the mean of --epochs timed
epochs after --warmup epochs, and the process's peak resident memory (ru_maxrss from wait4). Both tools
use --threads threads (torch.set_num_threads; OpenBLAS and the engine's kernels).

Same graph on both sides: Cora is read from graphs/cora by each tool (undirected, duplicates
merged, no self-loops, features row-normalised). The generated graph is
GraphGenerator.rmat(scale: 20, edgeFactor: 16, seed: 1) built by graphbench and exported as CSR
(.npy) that the PyG script loads; features (uniform [0, 1), 128 columns) and labels (16 classes)
are drawn separately by each tool, every node is a training node. Results go to
Benchmarks/results/gnn_latest.jsonl; the Markdown table is printed for BENCHMARKS.md.
"""
import argparse, json, os, platform, sys

from harness import DATA, HERE, RESULTS, ROOT, build_graphbench, ensure_venv as ensure_harness_venv, measure, sh


def ensure_venv():
    return ensure_harness_venv("numpy", "scipy", "torch", "torch-geometric")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skip-rmat", action="store_true")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--rmat-gcnii-layers", type=int, default=4)
    args = p.parse_args()

    py = ensure_venv()
    os.makedirs(DATA, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    bench = build_graphbench()
    pyg = [py, os.path.join(HERE, "python", "pyg_bench.py")]
    t = str(args.threads)
    env = dict(os.environ, OMP_NUM_THREADS=t, MKL_NUM_THREADS=t)

    cora = os.path.join(ROOT, "graphs", "cora")
    runs = [  # (graph label, our graph arg, PyG graph args, model, layers, hidden, dropout, warmup, epochs)
        ("Cora", cora, ["--dataset", cora], "gcn", 2, 16, 0.5, 3, 30),
        ("Cora", cora, ["--dataset", cora], "gcnii", 64, 64, 0.6, 3, 20),
        ("Cora", cora, ["--dataset", cora], "sage", 2, 16, 0.5, 3, 30),
    ]
    if not args.skip_rmat:
        prefix = os.path.join(DATA, "rmat20")
        if not os.path.exists(prefix + ".col.npy"):
            sh([bench, "gnn", "rmat:20", "--epochs", "0", "--warmup", "0", "--export-csr", prefix])
        g = ["--csr", prefix, "--dim", "128", "--classes", "16"]
        runs += [
            ("R-MAT 2^20", "rmat:20", g, "gcn", 2, 64, 0.5, 1, 3),
            ("R-MAT 2^20", "rmat:20", g, "gcnii", args.rmat_gcnii_layers, 64, 0.5, 1, 3),
            ("R-MAT 2^20", "rmat:20", g, "sage", 2, 64, 0.5, 1, 3),
        ]

    rows = []
    with open(os.path.join(RESULTS, "gnn_latest.jsonl"), "w") as log:
        for label, ours_graph, pyg_graph, model, layers, hidden, dropout, warmup, epochs in runs:
            load = os.getloadavg()[0]
            common = ["--model", model, "--layers", str(layers), "--hidden", str(hidden), "--dropout", str(dropout),
                      "--warmup", str(warmup), "--epochs", str(epochs), "--threads", t]
            ours = measure([bench, "gnn", ours_graph] + common, env=env)
            peer = measure(pyg + pyg_graph + common, env=env)
            if ours["nnz"] != peer["nnz"] or ours["nodes"] != peer["nodes"]:
                raise SystemExit(f"graphs differ on {label}: {ours['nodes']}/{ours['nnz']} vs {peer['nodes']}/{peer['nnz']}")
            r = {"graph": label, "model": model, "layers": layers, "hidden": hidden, "ours": ours, "pyg": peer,
                 "load_average_before": load, "load_average_after": os.getloadavg()[0]}
            log.write(json.dumps(r) + "\n")
            log.flush()
            rows.append(r)

    torch_version = rows[0]["pyg"].get("torch", "?") if rows else "?"
    print(f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; {args.threads} threads "
          f"for both tools; torch {torch_version}; s/epoch = best (mean) of the timed epochs after warm-up; "
          f"speed-up = PyG best / GraphLearning best; load = 1-minute load average before/after the pair.\n")
    print("| graph | model | GraphLearning s/epoch | PyG s/epoch | speed-up | GraphLearning peak MiB | PyG peak MiB | load |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        o, q = r["ours"], r["pyg"]
        print(f"| {r['graph']} ({o['nodes']:,} nodes, nnz {o['nnz']:,}) | {r['model'].upper()} {r['layers']} layers, "
              f"hidden {r['hidden']} | {o['min_epoch_seconds']:.4f} ({o['mean_epoch_seconds']:.4f}) | "
              f"{q['min_epoch_seconds']:.4f} ({q['mean_epoch_seconds']:.4f}) | "
              f"{q['min_epoch_seconds'] / o['min_epoch_seconds']:.2f}× | {o['peak_rss_mib']:.0f} | {q['peak_rss_mib']:.0f} | "
              f"{r['load_average_before']:.1f}/{r['load_average_after']:.1f} |")


if __name__ == "__main__":
    main()
