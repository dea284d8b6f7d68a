#!/usr/bin/env python3
"""Distributed FastRP across network-namespace hosts (issues 12 and 13): the same embedding as one process.

    python3 Benchmarks/cluster_fastrp.py                          # R-MAT 2^20, 4 hosts at 1gbit
    python3 Benchmarks/cluster_fastrp.py --scale 18 --rates 1gbit,10gbit --ranks 2

Generates (or reuses) R-MAT 2^SCALE with 16 * 2^SCALE edges, embeds it with one process
(`fastrp embed --threads 2`), then for every rate brings up `launch/netns-cluster.sh up RANKS`
and runs `fastrp embed` with one rank per host through `launch/gnnpipe-hostfile.sh` (MPI over TCP
between the hosts, BIND_TO=none: the hosts share this machine's cores). Checks that the .npy
outputs are byte for byte the same, and prints the seconds (load, embed, write; the ranks'
exchange waits), the largest rank's peak memory, the halo bytes the ranks counted and the
bytes each host's link carried (veth counters). Exits 1 when an output differs.
"""
import argparse, filecmp, json, os, shutil, subprocess, sys, tempfile, time

from harness import DATA, ROOT, sh

CLUSTER = os.path.join(ROOT, "launch", "netns-cluster.sh")
LAUNCH = os.path.join(ROOT, "launch", "gnnpipe-hostfile.sh")
PREFIX, NET = "gc", "6"


def counters(directory):
    out = subprocess.run([CLUSTER, "counters", "--dir", directory, "--prefix", PREFIX], check=True, capture_output=True, text=True).stdout
    table = {}
    for line in out.splitlines()[1:]:
        host, sent, received = line.split("\t")
        table[host] = (int(sent), int(received))
    return table


def record(path):
    return [json.loads(l) for l in open(path) if l.strip()][-1]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    p.add_argument("--scale", type=int, default=20)
    p.add_argument("--ranks", type=int, default=4)
    p.add_argument("--rates", default="1gbit")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    fastrp = os.path.join(a.bin, "fastrp")
    folder = os.path.join(DATA, f"rmat{a.scale}-fastrp")
    if not os.path.exists(os.path.join(folder, "edges.tsv")):
        sh([os.path.join(a.bin, "graphlearning"), "generate", folder, "--scale", str(a.scale), "--edge-factor", "16", "--features", "1"])
    edges = os.path.join(folder, "edges.tsv")
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
          f"R-MAT 2^{a.scale}, fastrp embed defaults, --seed {a.seed}")
    work = tempfile.mkdtemp(prefix="gl-cluster-fastrp-")
    ok = True
    try:
        single, single_metrics = os.path.join(work, "single.npy"), os.path.join(work, "single.jsonl")
        t0 = time.time()
        sh([fastrp, "embed", edges, "-o", single, "--threads", "2", "--seed", str(a.seed), "--quiet", "--metrics", single_metrics])
        one = record(single_metrics)
        print("\n| run | wall s | load s | embed s | write s | exchange wait s (per rank) | peak MiB (largest rank) "
              "| halo bytes counted (Σ ranks, sent + received) | link bytes sent (Σ hosts) | output |")
        print("|---|---:|---:|---:|---:|---|---:|---:|---:|---|")
        print(f"| one process, 2 threads | {time.time() - t0:.1f} | {one['load_seconds']:.1f} | {one['embed_seconds']:.1f} | "
              f"{one['write_seconds']:.1f} | – | {one['peak_memory_mib']:.0f} | – | – | reference |", flush=True)
        for rate in a.rates.split(","):
            directory = os.path.join(work, rate)
            sh([CLUSTER, "up", str(a.ranks), "--rate", rate, "--dir", directory, "--prefix", PREFIX, "--net", NET], stdout=subprocess.DEVNULL)
            try:
                output, metrics = os.path.join(work, f"p{a.ranks}-{rate}.npy"), os.path.join(work, f"p{a.ranks}-{rate}.jsonl")
                before = counters(directory)
                t0 = time.time()
                sh([LAUNCH, os.path.join(directory, "hostfile"), str(a.ranks), "embed", edges, "-o", output, "--threads", "1",
                    "--seed", str(a.seed), "--quiet", "--metrics", metrics],
                   env=dict(os.environ, GNNPIPE=fastrp, BIND_TO="none"), cwd=ROOT)
                wall = time.time() - t0
                after = counters(directory)
            finally:
                sh([CLUSTER, "down", "--dir", directory, "--prefix", PREFIX], stdout=subprocess.DEVNULL)
            r = record(metrics)
            same = filecmp.cmp(single, output, shallow=False)
            ok = ok and same
            link = sum(after[h][0] - before.get(h, (0, 0))[0] for h in after)
            waits = ", ".join(f"{d['exchange_seconds']:.1f}" for d in r["ranks_detail"])
            print(f"| {a.ranks} hosts at {rate}, 1 thread each | {wall:.1f} | {r['load_seconds']:.1f} | {r['embed_seconds']:.1f} | "
                  f"{r['write_seconds']:.1f} | {waits} | {r['peak_memory_mib']:.0f} | {sum(r['exchange_bytes_per_step']):,.0f} | "
                  f"{link:,} | {'byte for byte the same' if same else 'DIFFERENT'} |", flush=True)
            os.remove(output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
