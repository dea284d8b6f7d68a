#!/usr/bin/env python3
"""Epoch time across network-namespace hosts (issue 12 item 3) next to `gnnpipe plan`'s prediction.

    python3 Benchmarks/cluster_bench.py                       # Cora + R-MAT 2^16, GCNII 16/32/64, 1 and 10 gbit
    python3 Benchmarks/cluster_bench.py --datasets cora --layers 16 --rates 1gbit --epochs 3   # a quick look
    python3 Benchmarks/cluster_bench.py --replan run1.md run2.md   # today's plan against saved measurements
    python3 Benchmarks/cluster_bench.py --replan run1.md --profiles   # ... with the runs' probe tables (--link-profile)

For every link rate: `launch/netns-cluster.sh up 4 --rate R` (its own prefix and subnet, so the
tests' cluster can coexist), then for every dataset and depth the three modes (pipeline 4 x 1,
hybrid 2 x 2, graph 1 x 4) with `launch/gnnpipe-hostfile.sh` (MPI over TCP between the hosts,
BIND_TO=none: the hosts share this machine's cores), and `gnnpipe plan` for the same setting with
--shared-cores = this machine's cores. Per run: the training-step seconds of the slowest rank
in the median epoch after the first (Cora 12 epochs, R-MAT 4), that epoch's split (compute, wait, bubble: the trainer's own accounting,
which separates waiting for a message from computing), the bytes the busiest rank sent, and the
prediction. The cluster is taken down after each rate (also on failure).

How compute contention is separated from network time: every host shares the same cores, so a
rank's compute seconds grow with the number of ranks computing at once; the trainer measures
compute, wait and bubble per rank, and the plan simulates the sharing (the ranks computing at one moment share the cores)
(MPI ranks poll while waiting). Network time shows as wait seconds beyond what the schedule's
bubbles explain.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

from harness import DATA, ROOT, sh

CLUSTER = os.path.join(ROOT, "launch", "netns-cluster.sh")
HOSTFILE_LAUNCH = os.path.join(ROOT, "launch", "gnnpipe-hostfile.sh")
MODES = [("pipeline", ["--parallelism", "pipeline"]), ("hybrid 2x2", ["--parallelism", "hybrid", "--stages", "2"]),
         ("graph", ["--parallelism", "graph"])]
PLAN_NAMES = {"pipeline": "pipeline 4 × 1", "hybrid 2x2": "hybrid 2 × 2", "graph": "graph 1 × 4"}


def dataset_path(name):
    if name == "cora":
        return os.path.join(ROOT, "graphs", "cora")
    scale = int(name.removeprefix("rmat"))
    folder = os.path.join(DATA, f"rmat{scale}-nc")
    if not os.path.exists(os.path.join(folder, "split.tsv")):
        sh([os.path.join(ROOT, ".build", "release", "graphlearning"), "generate", folder, "--scale", str(scale),
            "--edge-factor", "16", "--features", "128"])
    return folder


def train(gnnpipe, hostfile, folder, layers, mode, epochs, chunks):
    with tempfile.TemporaryDirectory() as tmp:
        metrics = os.path.join(tmp, "m.jsonl")
        chunk_args = [] if mode[0] == "graph" else ["--chunks", str(chunks)]
        cmd = [HOSTFILE_LAUNCH, hostfile, "4", "train", folder, "--model", "gcnii", "--layers", str(layers), "--epochs", str(epochs),
               "--patience", "0", "--threads", "1", "--quiet", "--metrics", metrics] + chunk_args + mode[1]
        print("+", " ".join(cmd), file=sys.stderr, flush=True)
        subprocess.run(cmd, check=True, env=dict(os.environ, GNNPIPE=gnnpipe, BIND_TO="none"), cwd=ROOT)
        lines = [json.loads(l) for l in open(metrics) if l.strip()]
    epochs_ = [l for l in lines if not l.get("summary")][1:] or [l for l in lines if not l.get("summary")]
    def slowest(e):
        return max(e["ranks"], key=lambda r: r["train_seconds"])
    # The median epoch (by the slowest rank's step seconds) and its split: one slow epoch (the
    # machine's speed drifts) does not move it, and compute + wait + bubble stay one epoch's.
    typical = slowest(sorted(epochs_, key=lambda e: slowest(e)["train_seconds"])[(len(epochs_) - 1) // 2])
    return dict(epoch=typical["train_seconds"], compute=typical["compute_seconds"], wait=typical["wait_seconds"],
                bubble=typical["bubble_seconds"], link_bytes=max(r["bytes_sent"] for r in epochs_[-1]["ranks"]))


def probe(gnnpipe, hostfile, profile):
    """`gnnpipe probe-link -o PROFILE` across the hosts: the link MPI delivers, as plan's (--bandwidth, --delay),
    and its measured table written to PROFILE (for plan --link-profile)."""
    cmd = [HOSTFILE_LAUNCH, hostfile, "4", "probe-link", "-o", profile]
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=dict(os.environ, GNNPIPE=gnnpipe, BIND_TO="none"),
                         cwd=ROOT).stdout
    print(out, file=sys.stderr, flush=True)
    words = [l for l in out.splitlines() if l.startswith("for gnnpipe plan:")][0].split()
    return words[words.index("--bandwidth") + 1], words[words.index("--delay") + 1]


def plan(gnnpipe, folder, layers, rate, chunks, cores, delay="0ms", profile=None):
    link = ["--link-profile", profile] if profile else ["--bandwidth", rate, "--delay", delay]
    out = subprocess.run([gnnpipe, "plan", folder, "--ranks", "4", "--layers", str(layers), "--chunks", str(chunks),
                          "--shared-cores", str(cores), "--threads", "1"] + link, check=True, capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        if line.startswith("co-run factor"):
            rows["_corun"] = float(line.split()[-1])
        for name, label in PLAN_NAMES.items():
            if line.startswith(label):
                cells = line[len(label):].split()
                rows[name] = dict(epoch=float(cells[1]), link_mib=float(cells[4]))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gnnpipe", default=os.path.join(ROOT, ".build", "release", "gnnpipe"))
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--datasets", default="cora,rmat16", help="cora and/or rmatK (R-MAT 2^K nodes, 16·2^K edges, 128 features)")
    p.add_argument("--layers", default="16,32,64")
    p.add_argument("--rates", default="1gbit,10gbit")
    p.add_argument("--delay", default="")
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs per run, the first not counted, the median epoch kept (default: Cora 12, R-MAT 4)")
    p.add_argument("--predictions", default="profile",
                   help="which plans to run per setting: comma-separated nominal (--bandwidth RATE), probed (probe-link's fit), "
                        "profile (probe-link's table, --link-profile); each calibrates anew")
    p.add_argument("--chunks", type=int, default=8)
    p.add_argument("--replan", nargs="+", metavar="TABLE.md",
                   help="no training: read the measured rows of earlier runs' output and predict them with this build's plan")
    p.add_argument("--profiles", action="store_true", help="with --replan: plan with the tables' probe profiles (--link-profile)")
    a = p.parse_args()
    if not a.no_build:
        sh(["swift", "build", "-c", "release", "--product", "gnnpipe"])
        sh(["swift", "build", "-c", "release", "--product", "graphlearning"])
    cores = os.cpu_count()
    if a.replan:
        return replan(a, cores)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cores} cores, load {os.getloadavg()[0]:.1f}")
    print("\nplan: `gnnpipe plan --bandwidth RATE` (the nominal link); probed plan: `--bandwidth B --delay D` of `gnnpipe probe-link` "
          "run across the same hosts before the rows of that rate; profile plan: `--link-profile` of that probe's table")
    print("\n| dataset | L | rate | mode | epoch s | compute | wait | bubble | MiB/link | plan epoch s | plan / measured | plan MiB/link "
          "| probed plan s | probed / measured | profile plan s | profile / measured | co-run |")
    print("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    results = []
    folders = {name: dataset_path(name) for name in a.datasets.split(",")}
    for rate in a.rates.split(","):
        directory = tempfile.mkdtemp(prefix="gl-bench-")
        up = [CLUSTER, "up", "4", "--rate", rate, "--dir", directory, "--prefix", "gb", "--net", "7"]
        if a.delay:
            up += ["--delay", a.delay]
        sh(up)
        try:
            profile = os.path.join(directory, "link.json")
            probed = probe(a.gnnpipe, os.path.join(directory, "hostfile"), profile)
            print(f"<!-- probe {rate}: --bandwidth {probed[0]} --delay {probed[1]} -->", flush=True)
            print(f"<!-- profile {rate}: {' '.join(open(profile).read().split())} -->", flush=True)
            for name, folder in folders.items():
                for layers in [int(x) for x in a.layers.split(",")]:
                    wanted = a.predictions.split(",")
                    predicted = plan(a.gnnpipe, folder, layers, rate, a.chunks, cores) if "nominal" in wanted else {}
                    predicted_probed = plan(a.gnnpipe, folder, layers, probed[0], a.chunks, cores, probed[1]) if "probed" in wanted else {}
                    predicted_profile = plan(a.gnnpipe, folder, layers, rate, a.chunks, cores, profile=profile) if "profile" in wanted else {}
                    corun = next((x["_corun"] for x in (predicted_profile, predicted_probed, predicted) if "_corun" in x), 0)
                    epochs = a.epochs or (12 if name == "cora" else 4)
                    for mode in MODES:
                        m = train(a.gnnpipe, os.path.join(directory, "hostfile"), folder, layers, mode, epochs, a.chunks)
                        q, qp, qf = (x.get(mode[0], {}) for x in (predicted, predicted_probed, predicted_profile))
                        ratio, ratio_p, ratio_f = (x.get("epoch", 0) / m["epoch"] if m["epoch"] else 0 for x in (q, qp, qf))
                        results.append(dict(dataset=name, layers=layers, rate=rate, mode=mode[0], measured=m, plan=q, probed=qp, profile=qf))
                        cell = lambda x, digits: f"{x:.{digits}f}" if x else "–"
                        print(f"| {name} | {layers} | {rate} | {mode[0]} | {m['epoch']:.3f} | {m['compute']:.3f} | {m['wait']:.3f} | "
                              f"{m['bubble']:.3f} | {m['link_bytes'] / 2**20:.1f} | {cell(q.get('epoch'), 3)} | {cell(ratio, 2)} | "
                              f"{cell(q.get('link_mib'), 1)} | {cell(qp.get('epoch'), 3)} | {cell(ratio_p, 2)} | {cell(qf.get('epoch'), 3)} | "
                              f"{cell(ratio_f, 2)} | {cell(corun, 2)} |", flush=True)
        finally:
            sh([CLUSTER, "down", "--dir", directory, "--prefix", "gb"])
            shutil.rmtree(directory, ignore_errors=True)
    # Crossover: per dataset and rate, the smallest depth at which the pipeline's epoch is shorter than graph parallelism's.
    print()
    for name in folders:
        for rate in a.rates.split(","):
            rows = {(r["layers"], r["mode"]): r["measured"]["epoch"] for r in results if r["dataset"] == name and r["rate"] == rate}
            depths = sorted({l for l, _ in rows})
            wins = [l for l in depths if rows.get((l, "pipeline"), 1e30) < rows.get((l, "graph"), 0)]
            ratios = ", ".join(f"L={l}: {rows[(l, 'graph')] / rows[(l, 'pipeline')]:.2f}x" for l in depths
                               if (l, "graph") in rows and (l, "pipeline") in rows)
            print(f"- {name} at {rate}: graph / pipeline epoch {ratios}; "
                  + (f"the pipeline is faster from L = {wins[0]}" if wins else "the pipeline is not faster at any measured depth"))
    summarize(results, "plan", "the plan with the nominal rate")
    summarize(results, "probed", "the plan with the probed link")
    summarize(results, "profile", "the plan with the probed link's table (--link-profile)")


def summarize(results, key, what):
    """How many predictions are within 30 % and in how many settings the predicted fastest mode is the measured fastest."""
    ratios = [r[key]["epoch"] / r["measured"]["epoch"] for r in results if r[key].get("epoch") and r["measured"]["epoch"]]
    settings = {}
    for r in results:
        settings.setdefault((r["dataset"], r["layers"], r["rate"]), []).append(r)
    agree = sum(min(rs, key=lambda r: r["measured"]["epoch"])["mode"] == min(rs, key=lambda r: r[key].get("epoch", 1e30))["mode"]
                for rs in settings.values())
    if ratios:
        print(f"- {what}: {sum(abs(x - 1) <= 0.3 for x in ratios)} of {len(ratios)} within 30 % "
              f"(plan / measured {min(ratios):.2f} … {max(ratios):.2f}); picks the measured fastest mode in {agree} of {len(settings)} settings")


def replan(a, cores):
    """Predicted vs measured for the rows of earlier runs (the measured columns are copied)."""
    rows, probes, profiles = [], {}, {}
    for path in a.replan:
        for line in open(path):
            if line.startswith("<!-- probe "):
                words = line.split()
                probes[words[2].rstrip(":")] = (words[words.index("--bandwidth") + 1], words[words.index("--delay") + 1])
            if line.startswith("<!-- profile ") and a.profiles:
                rate, text = line[len("<!-- profile "):].split(":", 1)
                path = os.path.join(tempfile.mkdtemp(prefix="gl-replan-"), "link.json")
                open(path, "w").write(text.strip().removesuffix("-->").strip())
                profiles[rate.strip()] = path
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 9 and cells[1].isdigit():
                rows.append(cells)
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cores} cores, load {os.getloadavg()[0]:.1f}; "
          f"measured rows from {', '.join(a.replan)}; links: "
          + (", ".join(f"{r} as {'its --link-profile' if r in profiles else f'--bandwidth {b} --delay {d}'} (probed)"
                       for r, (b, d) in probes.items()) or "nominal"))
    print("\n| dataset | L | rate | mode | measured epoch s | plan epoch s | plan / measured | fastest measured | plan's pick |")
    print("|---|---:|---|---|---:|---:|---:|---|---|")
    ratios, agree, cases = [], 0, 0
    groups = {}
    for c in rows:
        groups.setdefault((c[0], int(c[1]), c[2]), {})[c[3]] = float(c[4])
    for (name, layers, rate), measured in groups.items():
        # The probed link where the table has one for this rate (probe-link's fit), else the nominal rate.
        link = probes.get(rate, (rate, "0ms"))
        predicted = plan(a.gnnpipe, dataset_path(name), layers, link[0], a.chunks, cores, link[1], profile=profiles.get(rate))
        fastest = min(measured, key=measured.get)
        pick = min((m for m in measured if m in predicted), key=lambda m: predicted[m]["epoch"])
        cases += 1
        agree += fastest == pick
        for mode, epoch in measured.items():
            q = predicted.get(mode, {}).get("epoch", 0)
            ratios.append(q / epoch)
            print(f"| {name} | {layers} | {rate} | {mode} | {epoch:.3f} | {q:.3f} | {q / epoch:.2f} | {fastest} | {pick} |", flush=True)
    within = sum(abs(r - 1) <= 0.3 for r in ratios)
    print(f"\n{within} of {len(ratios)} predictions within 30 % (plan / measured {min(ratios):.2f} … {max(ratios):.2f}); "
          f"the plan picks the measured fastest mode in {agree} of {cases} cases")


if __name__ == "__main__":
    main()
