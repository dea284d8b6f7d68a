#!/usr/bin/env python3
"""GNNPipe side by side: pipeline parallelism vs graph parallelism vs one process.

    python3 Benchmarks/gnnpipe_bench.py                         # Cora, GCNII with 16, 32 and 64 layers
    python3 Benchmarks/gnnpipe_bench.py --layers 32 --epochs 10
    python3 Benchmarks/gnnpipe_bench.py --rmat --skip-cora      # 2^20-node R-MAT, 16-layer GCN, P = 4
    python3 Benchmarks/gnnpipe_bench.py --skip-cora --accuracy --seeds 0,1,2   # Cora GCNII-32, every mode, to the end
    python3 Benchmarks/gnnpipe_bench.py --skip-cora --memory    # peak RSS per rank, R-MAT 2^20, GCNII-16, P = 1, 2, 4

Every configuration runs `gnnpipe train` for a fixed number of epochs (no early stopping) in its
own `mpirun` job (`launch/gnnpipe-local.sh`: OPENBLAS_NUM_THREADS=1, --oversubscribe when ranks >
cores) and reads its --metrics file:
  * epoch s   = mean training-step seconds per epoch (slowest rank; evaluation excluded),
  * p2p bytes = point-to-point payload of the training step per epoch, summed over ranks
                (pipeline: chunk rows forward + gradients backward; graph: halo rows + halo gradients),
  * analytic  = the formula for the same setup: pipeline 2·(P−1)·N·d, graph 2·Σ_layers d·Σ_p|B_p|,
  * collective bytes = all-reduce payload per epoch, summed over ranks (weight gradients, loss).
The single process uses all cores (--threads = cores); each rank of a parallel job uses 1 thread.
Raw lines go to Benchmarks/results/gnnpipe_latest.jsonl; a Markdown table is printed.
"""
import argparse, json, os, subprocess, sys, tempfile, time

from harness import DATA, RESULTS, ROOT, sh

LAUNCH = os.path.join(ROOT, "launch", "gnnpipe-local.sh")


def run(binary, ranks, args):
    with tempfile.TemporaryDirectory() as tmp:
        metrics = os.path.join(tmp, "m.jsonl")
        env = dict(os.environ, GNNPIPE=binary)
        cmd = ([binary] if ranks == 1 else [LAUNCH, str(ranks)]) + ["train"] + args + ["--quiet", "--metrics", metrics]
        print("+", " ".join(cmd), file=sys.stderr, flush=True)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, cwd=ROOT)
        wall = time.perf_counter() - start
        lines = [json.loads(l) for l in open(metrics).read().splitlines() if l.strip()]
    epochs = [l for l in lines if not l.get("summary")]
    summary = [l for l in lines if l.get("summary")][-1]
    out = {"ranks": ranks, "args": args, "wall_seconds": wall, "summary": summary}
    if epochs and "training_bytes" in epochs[-1]:
        last = epochs[-1]
        out.update(p2p_bytes=last["training_bytes"], analytic_bytes=last["analytic_bytes"],
                   collective_bytes=last.get("collective_bytes", 0),
                   rank_peak_mib=[r.get("peak_rss_mib", 0) for r in last.get("ranks", [])],
                   rank_wait_seconds=[r.get("wait_seconds", 0) for r in last.get("ranks", [])],
                   rank_bubble_seconds=[r.get("bubble_seconds", 0) for r in last.get("ranks", [])],
                   rank_state_mib=[[r.get(k, 0) / 2**20 for k in ("operator_bytes", "feature_bytes", "table_bytes")]
                                   for r in last.get("ranks", [])])
    return out


def mib(b):
    return f"{b / 2**20:.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gnnpipe", default=os.path.join(ROOT, ".build", "release", "gnnpipe"))
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--layers", default="16,32,64", help="GCNII depths on Cora")
    p.add_argument("--ranks", type=int, default=4)
    p.add_argument("--chunks", type=int, default=8)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--skip-cora", action="store_true")
    p.add_argument("--rmat", action="store_true", help="also the 2^20-node R-MAT scale run")
    p.add_argument("--rmat-epochs", type=int, default=3)
    p.add_argument("--rmat-hidden", type=int, default=64)
    p.add_argument("--accuracy", action="store_true", help="Cora GCNII-32 to early stopping: single, pipeline, graph, hybrid 2x2")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--accuracy-modes", default="single,pipeline,graph,hybrid",
                   help="which --accuracy modes (names: single, pipeline, graph, hybrid)")
    p.add_argument("--memory", action="store_true", help="peak RSS per rank on R-MAT 2^20, GCNII-16 hidden 64, P = 1, 2, 4")
    p.add_argument("--memory-epochs", type=int, default=1)
    p.add_argument("--memory-runs", default="single,pipeline1,graph1,pipeline2,graph2,pipeline4,graph4,hybrid",
                   help="which --memory runs, in this order (names: single, pipelineP, graphP for P = 1, 2, 4; hybrid)")
    a = p.parse_args()
    if not a.no_build:
        sh(["swift", "build", "-c", "release", "--product", "gnnpipe", "--package-path", ROOT])
        sh(["swift", "build", "-c", "release", "--product", "graphlearning", "--package-path", ROOT])
    cores = os.cpu_count()
    os.makedirs(RESULTS, exist_ok=True)
    results = []
    rows = []
    if not a.skip_cora:
        for layers in [int(x) for x in a.layers.split(",")]:
            common = ["graphs/cora", "--model", "gcnii", "--layers", str(layers), "--epochs", str(a.epochs),
                      "--patience", "0", "--seed", str(a.seed)]
            single = run(a.gnnpipe, 1, common + ["--parallelism", "single", "--threads", str(cores)])
            pipe = run(a.gnnpipe, a.ranks, common + ["--parallelism", "pipeline", "--chunks", str(a.chunks), "--threads", "1"])
            graph = run(a.gnnpipe, a.ranks, common + ["--parallelism", "graph", "--threads", "1"])
            for mode, r in (("single", single), ("pipeline", pipe), ("graph", graph)):
                r.update(dataset="cora", layers=layers, mode=mode)
                results.append(r)
            rows.append((layers, single, pipe, graph))
    rmat = None
    if a.rmat:
        folder = os.path.join(DATA, "rmat20-nc")
        if not os.path.exists(os.path.join(folder, "split.tsv")):
            sh([os.path.join(ROOT, ".build", "release", "graphlearning"), "generate", folder, "--scale", "20",
                "--edge-factor", "16", "--features", "128"])
        rmat = run(a.gnnpipe, a.ranks, [folder, "--model", "gcn", "--layers", "16", "--hidden", str(a.rmat_hidden),
                                       "--dropout", "0.5", "--epochs", str(a.rmat_epochs), "--patience", "0",
                                       "--chunks", str(a.chunks), "--feature-normalization", "none", "--threads", "1",
                                       "--parallelism", "pipeline", "--seed", str(a.seed)])
        rmat.update(dataset="rmat20", layers=16, mode="pipeline")
        results.append(rmat)
    if a.accuracy:
        accuracy(a, cores, results)
    if a.memory:
        memory(a, cores, results)
    with open(os.path.join(RESULTS, "gnnpipe_latest.jsonl"), "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")

    print(f"\nMachine: {cores} cores; {a.ranks} ranks × 1 thread (oversubscribed when ranks > cores); "
          f"single process {cores} threads; {a.epochs} epochs, seed {a.seed}; C = {a.chunks}.\n")
    if rows:
        print("| GCNII layers | single s/epoch | pipeline s/epoch | graph s/epoch | pipeline p2p MiB/epoch (analytic) | "
              "graph p2p MiB/epoch (analytic) | graph / pipeline volume | collective MiB/epoch pipeline / graph | "
              "test acc after the epochs single / pipeline / graph |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for layers, s, pp, g in rows:
            print(f"| {layers} | {s['summary']['mean_epoch_seconds']:.3f} | {pp['summary']['mean_epoch_seconds']:.3f} | "
                  f"{g['summary']['mean_epoch_seconds']:.3f} | {mib(pp['p2p_bytes'])} ({mib(pp['analytic_bytes'])}) | "
                  f"{mib(g['p2p_bytes'])} ({mib(g['analytic_bytes'])}) | {g['p2p_bytes'] / pp['p2p_bytes']:.2f}× | "
                  f"{mib(pp['collective_bytes'])} / {mib(g['collective_bytes'])} | "
                  f"{s['summary']['test_accuracy']*100:.1f} / {pp['summary']['test_accuracy']*100:.1f} / {g['summary']['test_accuracy']*100:.1f} |")
    if rmat:
        sm = rmat["summary"]
        print(f"\nR-MAT 2^20 (16-layer GCN, hidden {a.rmat_hidden}, P = {a.ranks}, C = {a.chunks}): "
              f"epoch {sm['mean_epoch_seconds']:.1f} s (training step, slowest rank), wall {rmat['wall_seconds']:.0f} s "
              f"incl. loading and chunking; per-rank peak RSS MiB {', '.join(f'{m:.0f}' for m in rmat['rank_peak_mib'])}; "
              f"p2p {mib(rmat['p2p_bytes'])} MiB/epoch (analytic {mib(rmat['analytic_bytes'])}); "
              f"test accuracy {sm['test_accuracy']*100:.1f} after {sm['epochs_run']} epochs")


MODES = [("single", 1, ["--parallelism", "single"]), ("pipeline", 4, ["--parallelism", "pipeline"]),
         ("graph", 4, ["--parallelism", "graph"]), ("hybrid 2x2", 4, ["--parallelism", "hybrid", "--stages", "2"])]


def accuracy(a, cores, results):
    """Cora, GCNII-32 (distributed defaults: hidden 64, dropout 0.6, 1500 epochs, patience 100, 8 chunks)."""
    seeds = [int(x) for x in a.seeds.split(",")]
    wanted = a.accuracy_modes.split(",")
    modes = [m for m in MODES if m[0].split()[0] in wanted]
    table = {}
    for seed in seeds:
        for name, ranks, mode in modes:
            threads = str(cores) if ranks == 1 else "1"
            chunks = ["--chunks", str(a.chunks)] if name in ("pipeline", "hybrid 2x2") else []
            r = run(a.gnnpipe, ranks, ["graphs/cora", "--model", "gcnii", "--layers", "32", "--seed", str(seed),
                                       "--threads", threads] + chunks + mode)
            r.update(dataset="cora", layers=32, mode=name, seed=seed)
            results.append(r)
            table[(seed, name)] = r["summary"]
    print("\n| seed | " + " | ".join(n for n, _, _ in modes) + " |")
    print("|---|" + "---:|" * len(modes))
    for seed in seeds:
        cells = [f"{table[(seed, n)]['test_accuracy'] * 100:.2f} (epoch {table[(seed, n)]['best_epoch']} of {table[(seed, n)]['last_epoch']})"
                 for n, _, _ in modes]
        print(f"| {seed} | " + " | ".join(cells) + " |")
    means = []
    for n, _, _ in modes:
        xs = [table[(s, n)]["test_accuracy"] * 100 for s in seeds]
        m = sum(xs) / len(xs)
        sd = (sum((x - m) ** 2 for x in xs) / max(1, len(xs) - 1)) ** 0.5
        means.append(f"**{m:.2f}** ± {sd:.2f}")
    print("| mean | " + " | ".join(means) + " |")


def memory(a, cores, results):
    """Peak RSS of every rank: R-MAT 2^20, 16·2^20 edges, 128 features, GCNII-16, hidden 64, C = 8."""
    folder = os.path.join(DATA, "rmat20-nc")
    if not os.path.exists(os.path.join(folder, "split.tsv")):
        sh([os.path.join(ROOT, ".build", "release", "graphlearning"), "generate", folder, "--scale", "20",
            "--edge-factor", "16", "--features", "128"])
    common = [folder, "--model", "gcnii", "--layers", "16", "--hidden", "64", "--epochs", str(a.memory_epochs),
              "--patience", "0", "--feature-normalization", "none"]
    chunks = ["--chunks", str(a.chunks)]
    catalogue = {"single": ("single process", 1, ["--parallelism", "single", "--threads", str(cores)]),
                 "hybrid": ("hybrid 2x2 P=4", 4, ["--parallelism", "hybrid", "--stages", "2", "--threads", "1"] + chunks)}
    for p in (1, 2, 4):
        catalogue[f"pipeline{p}"] = (f"pipeline P={p}", p, ["--parallelism", "pipeline", "--threads", "1"] + chunks)
        catalogue[f"graph{p}"] = (f"graph P={p}", p, ["--parallelism", "graph", "--threads", "1"])
    runs = [catalogue[name] for name in a.memory_runs.split(",")]
    print("\n| run | peak RSS per rank, MiB | largest | state of the largest: operator + features + tables, MiB | epoch s (training step) | p2p MiB/epoch |")
    print("|---|---|---:|---|---:|---:|")
    for name, ranks, extra in runs:
        r = run(a.gnnpipe, ranks, common + extra)
        r.update(dataset="rmat20", layers=16, mode=name)
        results.append(r)
        peaks = r.get("rank_peak_mib") or [r["summary"]["peak_memory_mib"]]
        states = r.get("rank_state_mib") or []
        state = states[peaks.index(max(peaks))] if len(states) == len(peaks) else None
        state_text = f"{state[0]:,.0f} + {state[1]:,.0f} + {state[2]:,.0f} = {sum(state):,.0f}" if state else "–"
        print(f"| {name} | {', '.join(f'{m:,.0f}' for m in peaks)} | {max(peaks):,.0f} | {state_text} | "
              f"{r['summary']['mean_epoch_seconds']:.1f} | {mib(r.get('p2p_bytes', 0))} |", flush=True)


if __name__ == "__main__":
    main()
