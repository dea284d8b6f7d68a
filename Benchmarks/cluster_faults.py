#!/usr/bin/env python3
"""Faults across network-namespace hosts, and exact resume on a fresh cluster (issue 12 item 5).

    python3 Benchmarks/cluster_faults.py                  # kill, link down, stop; GCNII-8 on Cora, 4 hosts
    python3 Benchmarks/cluster_faults.py --faults kill --epochs 8
    python3 Benchmarks/cluster_faults.py --modes pipeline,graph,hybrid   # every mode (hybrid: 2 x 2)

Per mode (--modes; default the pipeline): first one uninterrupted run of EPOCHS epochs across 4 hosts (`launch/netns-cluster.sh`, MPI over
TCP), checkpoints every epoch. Then, for every fault, on a fresh cluster: the same run, and when
rank R has written the metrics of epoch AT, the fault hits R's host:
  kill   SIGKILL to rank R's process
  link   `ip link set <host's veth> down` (the host drops off the network)
  stop   SIGSTOP to rank R's process (a stalled rank: the others' waits reach --timeout)
The job must end within 60 s with a message naming rank R and its host. The cluster is then
taken down, a fresh one brought up, and the run resumed (`--resume`) to EPOCHS: the losses of the
resumed epochs must equal the uninterrupted run's, bit for bit. Prints one row per fault and
exits 1 when a check fails.
"""
import argparse, json, os, re, shutil, signal, subprocess, sys, tempfile, time

from harness import ROOT, sh

CLUSTER = os.path.join(ROOT, "launch", "netns-cluster.sh")
LAUNCH = os.path.join(ROOT, "launch", "gnnpipe-hostfile.sh")
PREFIX, NET = "gf", "8"


def up(directory):
    sh([CLUSTER, "up", "4", "--rate", "1gbit", "--dir", directory, "--prefix", PREFIX, "--net", NET], stdout=subprocess.DEVNULL)
    return os.path.join(directory, "hostfile")


def down(directory):
    sh([CLUSTER, "down", "--dir", directory, "--prefix", PREFIX], stdout=subprocess.DEVNULL)


MODES = {"pipeline": ["--parallelism", "pipeline", "--chunks", "4"], "graph": ["--parallelism", "graph"],
         "hybrid": ["--parallelism", "hybrid", "--stages", "2", "--chunks", "4"]}


def command(gnnpipe, hostfile, a, checkpoint, metrics, resume=False):
    return [LAUNCH, hostfile, "4", "train", os.path.join(ROOT, "graphs", "cora"), "--model", "gcnii", "--layers", str(a.layers),
            "--hidden", "16", "--epochs", str(a.epochs), "--patience", "0"] + MODES[a.mode] + ["--threads", "1", "--quiet",
            "--checkpoint", checkpoint, "--checkpoint-every", "1", "--timeout", str(a.timeout), "--metrics", metrics] + (["--resume"] if resume else [])


def losses(metrics):
    out = {}
    for line in open(metrics):
        record = json.loads(line)
        if "loss" in record and "epoch" in record and not record.get("summary"):
            out[record["epoch"]] = record["loss"]
    return out


def rank_pid(rank):
    """The pid of the gnnpipe process of `rank` inside its test host's namespace (only processes
    of this cluster: other jobs on the machine have ranks too), or None."""
    listed = subprocess.run(["ip", "netns", "pids", f"{PREFIX}host{rank + 1}"], capture_output=True, text=True).stdout.split()
    for pid in listed:
        try:
            if not open(f"/proc/{pid}/comm").read().startswith("gnnpipe"):
                continue
            env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
        except OSError:
            continue
        if f"OMPI_COMM_WORLD_RANK={rank}".encode() in env:
            return int(pid)
    return None


def run_with_fault(gnnpipe, a, fault, directory):
    hostfile = up(directory)
    checkpoint, metrics = os.path.join(directory, "ckpt"), os.path.join(directory, "m.jsonl")
    env = dict(os.environ, GNNPIPE=gnnpipe, BIND_TO="none")
    job = subprocess.Popen(command(gnnpipe, hostfile, a, checkpoint, metrics), env=env, cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 600
    while time.time() < deadline and job.poll() is None:
        if os.path.exists(metrics) and max(losses(metrics), default=0) >= a.at:
            break
        time.sleep(0.2)
    pid = rank_pid(a.rank)
    if job.poll() is not None or pid is None:
        job.kill()
        raise SystemExit(f"{fault}: the job ended or rank {a.rank} was not found before epoch {a.at}")
    hit = time.time()
    if fault == "kill":
        os.kill(pid, signal.SIGKILL)
    elif fault == "stop":
        os.kill(pid, signal.SIGSTOP)
    else:
        sh(["ip", "link", "set", f"{PREFIX}v{a.rank + 1}", "down"])
    try:
        out, err = job.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        job.kill()
        out, err = job.communicate()
    ended = time.time() - hit
    if fault == "stop":
        try:
            os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    down(directory)
    host = f"{PREFIX}host{a.rank + 1}"
    # Ours (`error: rank R on HOST: …`, or a waiting rank's `no message from rank R on HOST`) or
    # Open MPI's (`process rank R with PID … on node HOST exited on signal 9`).
    named = re.compile(rf"rank {a.rank}\b.*\b{host}\b")
    message = next((l.strip() for l in err.splitlines() if named.search(l)), "")
    return dict(seconds=ended, status=job.returncode, message=message or next((l for l in err.splitlines() if l.startswith("error:")), ""),
                named=bool(message), stderr=err)


def resume(gnnpipe, a, directory):
    hostfile = up(directory)
    metrics = os.path.join(directory, "resumed.jsonl")
    try:
        sh(command(gnnpipe, hostfile, a, os.path.join(directory, "ckpt"), metrics, resume=True),
           env=dict(os.environ, GNNPIPE=gnnpipe, BIND_TO="none"), cwd=ROOT, stdout=subprocess.DEVNULL)
    finally:
        down(directory)
    return losses(metrics)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gnnpipe", default=os.path.join(ROOT, ".build", "release", "gnnpipe"))
    p.add_argument("--faults", default="kill,link,stop")
    p.add_argument("--modes", default="pipeline", help="comma-separated: pipeline, graph, hybrid (2 x 2)")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--at", type=int, default=5, help="fault once this epoch's metrics are written")
    p.add_argument("--rank", type=int, default=2, help="the rank (and host rank + 1) hit")
    p.add_argument("--timeout", type=float, default=10,
                   help="--timeout of the runs: a stalled or unreachable rank is noticed after it (below TCP's 13 s give-up in the cluster)")
    a = p.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
          f"GCNII-{a.layers} hidden 16 on Cora, 4 hosts at 1gbit, modes {a.modes} (C = 4), {a.epochs} epochs, fault at epoch {a.at} on rank {a.rank}")
    modes = a.modes.split(",")
    if any(m not in MODES for m in modes):
        p.error(f"--modes: each of {', '.join(MODES)}")
    base = tempfile.mkdtemp(prefix="gl-faults-")
    ok = True
    try:
        print("\n| mode | fault | job ended after s | exit status | message | resumed from epoch | resumed epochs equal to the uninterrupted run |")
        print("|---|---|---:|---:|---|---:|---|")
        for mode in modes:
            a.mode = mode
            reference_dir = os.path.join(base, mode, "reference")
            os.makedirs(reference_dir)
            hostfile = up(reference_dir)
            try:
                sh(command(a.gnnpipe, hostfile, a, os.path.join(reference_dir, "ckpt"), os.path.join(reference_dir, "m.jsonl")),
                   env=dict(os.environ, GNNPIPE=a.gnnpipe, BIND_TO="none"), cwd=ROOT, stdout=subprocess.DEVNULL)
            finally:
                down(reference_dir)
            reference = losses(os.path.join(reference_dir, "m.jsonl"))
            for fault in a.faults.split(","):
                directory = os.path.join(base, mode, fault)
                os.makedirs(directory)
                r = run_with_fault(a.gnnpipe, a, fault, directory)
                complete = json.load(open(os.path.join(directory, "ckpt", "complete.json")))
                start = complete.get("epoch", 0)
                resumed = resume(a.gnnpipe, a, directory)
                equal = all(resumed.get(e) == reference[e] for e in range(start + 1, a.epochs + 1)) and len(resumed) >= a.epochs - start
                good = r["seconds"] <= 60 and r["status"] != 0 and r["named"] and equal
                if not good:
                    print(f"--- {mode}, {fault}: the job's stderr ---\n{r['stderr']}", file=sys.stderr)
                ok = ok and good
                print(f"| {mode} | {fault} | {r['seconds']:.1f} | {r['status']} | `{r['message'][:160]}` | {start} | "
                      f"{'yes' if equal else 'NO'} ({len(resumed)} epochs) |", flush=True)
    finally:
        for root, folders, files in os.walk(base):
            if "hostfile" in files:
                down(root)
        shutil.rmtree(base, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
