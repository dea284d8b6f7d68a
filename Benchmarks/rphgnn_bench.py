#!/usr/bin/env python3
"""RpHGNN on HGB ACM and DBLP (issue 6): accuracy over seeds, and time and memory.

    python3 Benchmarks/rphgnn_bench.py --accuracy            # 5 seeds x ACM, DBLP
    python3 Benchmarks/rphgnn_bench.py --timing              # cold runs, cache on and off
    python3 Benchmarks/rphgnn_bench.py --timing --peer       # + the NumPy/SciPy pre-computation

Builds `rphgnn` in release (or uses --binary) and runs every measurement in its own process,
recording its wall time, its peak resident memory (ru_maxrss from wait4) and the 1-minute load
average before and after (the machine is shared; say how loaded it was).

--accuracy: `rphgnn train graphs/hgb/<X>.zip --seed S --no-cache --quiet --metrics …`
for S in --seeds; reads each run's summary line and prints Micro-/Macro-F1 (x100) per seed and
mean ± std (population std over seeds) on label.dat.test and label.dat.test_full.

--timing: per dataset, (1) `rphgnn train --seed 1` with an empty --cache folder (pre-computation
computed and stored, then training: the end-to-end cold run), (2) the same again (cache hit),
(3) `rphgnn precompute --no-cache` (pre-computation alone). With --peer, the same
pre-computation in NumPy/SciPy (Benchmarks/python/rphgnn_numpy.py: scipy.sparse mean
aggregation, NumPy/OpenBLAS projections, the same shapes and operation counts; its random
matrices differ) for a side-by-side time and memory.

Results go to Benchmarks/results/rphgnn_*.jsonl; Markdown tables are printed for BENCHMARKS.md.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
DATASETS = {"ACM": os.path.join(ROOT, "graphs", "hgb", "ACM.zip"), "DBLP": os.path.join(ROOT, "graphs", "hgb", "DBLP.zip")}
BAR = {"ACM": 93.5, "DBLP": 95.0}
PAPER = {"ACM": 94.04, "DBLP": 95.55}


def run(cmd, env=None):
    """Runs cmd; returns (stdout, wall seconds, peak RSS MiB, load before, load after)."""
    load_before = os.getloadavg()[0]
    wall, peak, out = harness.run_measured(cmd, env)
    return out, wall, peak, load_before, os.getloadavg()[0]


def summary_line(path):
    with open(path) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    return next(l for l in reversed(lines) if l.get("summary"))


def accuracy(binary, seeds, datasets, out):
    rows = {}
    scratch = tempfile.mkdtemp(prefix="rphgnn-accuracy-")
    for name in datasets:
        for seed in seeds:
            metrics = os.path.join(scratch, f"{name}_seed{seed}.jsonl")
            _, wall, peak, lb, la = run([binary, "train", DATASETS[name], "--seed", str(seed),
                                         "--no-cache", "--quiet", "--metrics", metrics])
            s = summary_line(metrics)
            record = {"dataset": name, "seed": seed, "wall_seconds": wall, "peak_rss_mib": peak,
                      "load_before": lb, "load_after": la, **{k: s[k] for k in s if k.endswith("_f1") or k in (
                          "best_epoch", "epochs_run", "precompute_seconds", "train_seconds", "mean_epoch_seconds")}}
            out.write(json.dumps(record, sort_keys=True) + "\n")
            out.flush()
            rows.setdefault(name, []).append(record)
    shutil.rmtree(scratch, ignore_errors=True)
    print("\n| dataset | seed | test Micro-F1 | test Macro-F1 | test_full Micro-F1 | test_full Macro-F1 | best epoch / run |")
    print("|---|---|---|---|---|---|---|")
    for name, rs in rows.items():
        for r in rs:
            print(f"| {name} | {r['seed']} | {100 * r['test_micro_f1']:.2f} | {100 * r['test_macro_f1']:.2f} | "
                  f"{100 * r['test_full_micro_f1']:.2f} | {100 * r['test_full_macro_f1']:.2f} | {r['best_epoch']} / {r['epochs_run']} |")
    print("\n| dataset | test Micro-F1 | test Macro-F1 | test_full Micro-F1 | test_full Macro-F1 | bar (Micro, test) | paper |")
    print("|---|---|---|---|---|---|---|")
    for name, rs in rows.items():
        def ms(key):
            v = [100 * r[key] for r in rs]
            return f"{statistics.mean(v):.2f} ± {statistics.pstdev(v):.2f}"
        print(f"| {name} | {ms('test_micro_f1')} | {ms('test_macro_f1')} | {ms('test_full_micro_f1')} | "
              f"{ms('test_full_macro_f1')} | ≥ {BAR[name]} | {PAPER[name]} |")


def timing(binary, datasets, peer, out):
    rows = []
    for name in datasets:
        scratch = tempfile.mkdtemp(prefix="rphgnn-bench-")
        try:
            cache = os.path.join(scratch, "cache")
            for label in ("train, cold cache", "train, cache hit"):
                metrics = os.path.join(scratch, "m.jsonl")
                _, wall, peak, lb, la = run([binary, "train", DATASETS[name], "--seed", "1", "--quiet",
                                             "--cache", cache, "--metrics", metrics])
                s = summary_line(metrics)
                rows.append({"dataset": name, "run": label, "wall_seconds": wall, "peak_rss_mib": peak,
                             "load_before": lb, "load_after": la, "precompute_seconds": s["precompute_seconds"],
                             "train_seconds": s["train_seconds"], "epochs": s["epochs_run"],
                             "mean_epoch_seconds": s["mean_epoch_seconds"], "test_micro_f1": s["test_micro_f1"]})
            text, wall, peak, lb, la = run([binary, "precompute", DATASETS[name], "--seed", "1", "--no-cache",
                                            "--quiet", "--output", os.path.join(scratch, "out")])
            computed = float(text.strip().splitlines()[-1].split("computed in ")[1].split(" s")[0])
            rows.append({"dataset": name, "run": "precompute", "wall_seconds": wall, "peak_rss_mib": peak,
                         "load_before": lb, "load_after": la, "precompute_seconds": computed})
            if peer:
                text, wall, peak, lb, la = run([sys.executable, os.path.join(HERE, "python", "rphgnn_numpy.py"),
                                                DATASETS[name], "--seed", "1"])
                r = json.loads(text.strip().splitlines()[-1])
                rows.append({"dataset": name, "run": "precompute, NumPy/SciPy peer", "wall_seconds": wall,
                             "peak_rss_mib": peak, "load_before": lb, "load_after": la,
                             "precompute_seconds": r["precompute_seconds"]})
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    for r in rows:
        out.write(json.dumps(r, sort_keys=True) + "\n")
    print("\n| dataset | run | wall s | pre-computation s | training s (epochs, s/epoch) | peak MiB | load before/after |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        training = (f"{r['train_seconds']:.1f} ({r['epochs']}, {r['mean_epoch_seconds']:.3f})" if "train_seconds" in r else "–")
        print(f"| {r['dataset']} | {r['run']} | {r['wall_seconds']:.1f} | {r['precompute_seconds']:.1f} | {training} | "
              f"{r['peak_rss_mib']:.0f} | {r['load_before']:.1f} / {r['load_after']:.1f} |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--accuracy", action="store_true")
    p.add_argument("--timing", action="store_true")
    p.add_argument("--peer", action="store_true", help="also time the NumPy/SciPy pre-computation (with --timing)")
    p.add_argument("--seeds", default="1,2,3,4,5")
    p.add_argument("--datasets", default="ACM,DBLP")
    p.add_argument("--binary", help="use this rphgnn binary instead of building one")
    args = p.parse_args()
    if not (args.accuracy or args.timing):
        p.error("choose --accuracy and/or --timing")
    os.makedirs(RESULTS, exist_ok=True)
    binary = args.binary
    if not binary:
        subprocess.run(["swift", "build", "-c", "release", "--package-path", ROOT, "--product", "rphgnn"], check=True)
        binary = os.path.join(ROOT, ".build", "release", "rphgnn")
    datasets = args.datasets.split(",")
    if args.accuracy:
        with open(os.path.join(RESULTS, "rphgnn_accuracy.jsonl"), "w") as out:
            accuracy(binary, [int(s) for s in args.seeds.split(",")], datasets, out)
    if args.timing:
        with open(os.path.join(RESULTS, "rphgnn_timing.jsonl"), "w") as out:
            timing(binary, datasets, args.peer, out)


if __name__ == "__main__":
    main()
