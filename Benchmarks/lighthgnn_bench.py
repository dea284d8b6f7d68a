#!/usr/bin/env python3
"""LightHGNN inference benchmark (issue 7): student MLP vs HGNN teacher, GraphLearning next to DHG,
same machine, same run, same hyperedges.

    python3 Benchmarks/lighthgnn_bench.py                 # the three configurations below
    python3 Benchmarks/lighthgnn_bench.py --quick         # 55,000 vertices, 55,000 hyperedges only

Creates/uses Benchmarks/.venv (adds dhg from PyPI), builds Benchmarks/ (graphbench) in release
into Benchmarks/.build-lh, and runs every measurement in its own process, recording the
process's peak resident memory (ru_maxrss from wait4).

The hypergraph is DHG's hypergraph_Gnm(55000, m, "low_order_first") recipe (hyperedge size
2 + j with probability ∝ 3^-j), drawn once by graphbench and exported as .npy for the DHG script,
so both tools see identical hyperedges; isolated vertices get singleton hyperedges (LightHGNN's
fix_iso_v). Features are uniform random, drawn by each tool (timing does not depend on values).
Models have random weights (inference cost does not depend on training): teacher HGNN d→32→C,
student Linear(d,128) → ReLU → BatchNorm → Dropout → Linear(128,C), both in eval mode.

Cases (medians of --repeats after one warm-up):
  student          MLP over all vertices, features only
  teacher cached   HGNN forward with the operator built beforehand
  teacher cold     hypergraph build (dedup, singletons, degrees, operator) + forward
  single vertex    GraphLearning only: one new vertex; student = its feature row, teacher = build
                   the hypergraph of its 2-hop neighbourhood + HGNN forward on it (mean over
                   --singles vertices); DHG: student on one row
Results go to Benchmarks/results/lighthgnn_latest.jsonl; the Markdown table is printed.
"""
import argparse, json, os, platform, subprocess

from harness import HERE, RESULTS, measure, sh
from harness import ensure_venv as ensure_harness_venv

DATA = os.path.join(HERE, "data", "lighthgnn")
SCRATCH = os.path.join(HERE, ".build-lh")


def ensure_venv():
    py = ensure_harness_venv()
    try:
        sh([py, "-m", "pip", "install", "-q", "numpy", "torch", "dhg"])
    except subprocess.CalledProcessError:
        # dhg's pins may conflict with the installed torch: install it alone, then its imports.
        sh([py, "-m", "pip", "install", "-q", "--no-deps", "dhg"])
        sh([py, "-m", "pip", "install", "-q", "numpy", "scipy", "scikit-learn", "matplotlib", "optuna", "requests"])
    return py


def ms(s):
    return f"{1000 * s:.3g}" if s < 1 else f"{1000 * s:,.0f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--singles", type=int, default=200)
    args = p.parse_args()

    py = ensure_venv()
    os.makedirs(DATA, exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    sh(["swift", "build", "-c", "release", "--package-path", HERE, "--scratch-path", SCRATCH, "--product", "graphbench"])
    bench = os.path.join(SCRATCH, "release", "graphbench")

    configs = [(55_000, 500, 1.0)]
    if not args.quick:
        configs += [(550_000, 500, 1.0), (55_000, 1433, 0.0127)]
    rows = []
    with open(os.path.join(RESULTS, "lighthgnn_latest.jsonl"), "w") as log:
        for m, dim, density in configs:
            prefix = os.path.join(DATA, f"gnm55k_{m}")
            ours = measure([bench, "lighthgnn-infer", "--vertices", "55000", "--hyperedges", str(m), "--dim", str(dim),
                            "--density", str(density), "--threads", str(args.threads), "--repeats", str(args.repeats),
                            "--singles", str(args.singles), "--export", prefix])
            dhg = measure([py, os.path.join(HERE, "python", "lighthgnn_dhg.py"), prefix, "--vertices", "55000",
                           "--dim", str(dim), "--threads", str(args.threads), "--repeats", str(args.repeats)])
            for r in (ours, dhg):
                r["config"] = {"hyperedges": m, "dim": dim, "density": density}
                log.write(json.dumps(r, sort_keys=True) + "\n")
            rows.append((m, dim, density, ours, dhg))

    print(f"\nMachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {args.threads} threads; "
          f"times in ms (median of {args.repeats}); ratio = teacher time / student time\n")
    print("| hypergraph (55,000 vertices) | features | tool | student | teacher cached | teacher cold (build) "
          "| cached / student | cold / student | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m, dim, density, ours, dhg in rows:
        hg = f"{m:,} Gnm hyperedges + {ours['hyperedges_with_singletons'] - m:,} singletons"
        feat = f"{dim}, {'dense' if density >= 1 else f'{100 * density:.2g}% non-zero'}"
        for name, r in (("GraphLearning", ours), (f"DHG {dhg['dhg_version']} / torch", dhg)):
            s = r["student_seconds"]
            print(f"| {hg} | {feat} | {name} | {ms(s)} | {ms(r['teacher_cached_seconds'])} | "
                  f"{ms(r['teacher_cold_seconds'])} ({ms(r['structure_build_seconds'])}) | "
                  f"{r['teacher_cached_seconds'] / s:.2f}× | {r['teacher_cold_seconds'] / s:.1f}× | {r['peak_rss_mib']:,.0f} |")
    print("\n| single new vertex | student | teacher (2-hop build + forward) | ratio | mean 2-hop vertices | DHG student (1 row) |")
    print("|---|---|---|---|---|---|")
    for m, dim, density, ours, dhg in rows:
        print(f"| {m:,} hyperedges, {dim} features | {1e6 * ours['single_student_seconds']:.1f} µs | "
              f"{1e6 * ours['single_teacher_seconds']:.0f} µs | {ours['single_teacher_seconds'] / ours['single_student_seconds']:.0f}× | "
              f"{ours['mean_two_hop_vertices']:.1f} | {1e6 * dhg['single_student_seconds']:.0f} µs |")
    print("\nGraphLearning vs DHG, same case: student "
          + ", ".join(f"{r[4]['student_seconds'] / r[3]['student_seconds']:.1f}×" for r in rows)
          + "; teacher cached " + ", ".join(f"{r[4]['teacher_cached_seconds'] / r[3]['teacher_cached_seconds']:.1f}×" for r in rows)
          + "; teacher cold " + ", ".join(f"{r[4]['teacher_cold_seconds'] / r[3]['teacher_cold_seconds']:.1f}×" for r in rows)
          + " (DHG time / GraphLearning time)")


if __name__ == "__main__":
    main()
