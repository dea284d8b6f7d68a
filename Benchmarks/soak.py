#!/usr/bin/env python3
"""Long-run soak of single-process training (issue 15, item 7).

Trains GCNII on Cora for EPOCHS epochs (default 2,000, no early stopping) twice with
checkpoints: once uninterrupted, once killed with SIGKILL at KILLS (default 20) random moments
and resumed with --resume after each. Checks that

  * the final checkpoints (weights, Adam state, best weights) are bit-identical, and
  * the uninterrupted run's resident memory (VmRSS) at the last epoch is within 5% of its value
    at epoch 100 (no growth in pools or buffers).

Usage: python3 Benchmarks/soak.py [--epochs N] [--kills K] [--seed S] [--binary PATH] [--threads T]
Build first: swift build -c release. Exits 1 when a check fails. Prints one JSON summary line.
"""
import argparse, json, os, random, shutil, signal, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def command(args, checkpoint, resume):
    cmd = [args.binary, "train", os.path.join(root, "graphs/cora"), "--model", "gcnii", "--epochs", str(args.epochs),
           "--patience", "0", "--seed", str(args.seed), "--threads", str(args.threads), "--checkpoint", checkpoint,
           "--checkpoint-every", str(args.checkpoint_every)]
    return cmd + (["--resume"] if resume else [])


def epoch_of(line):
    parts = line.split()
    if len(parts) > 1 and parts[0] == "epoch" and parts[1].isdigit():
        return int(parts[1])
    return None


def uninterrupted(args, folder):
    """One run; VmRSS sampled at every epoch line."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    p = subprocess.Popen(command(args, folder, False), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    rss = {}
    start = time.time()
    for line in p.stdout:
        e = epoch_of(line)
        if e is not None:
            rss[e] = rss_kib(p.pid)
    p.wait()
    if p.returncode != 0:
        sys.exit(f"soak: uninterrupted run failed with exit {p.returncode}")
    return rss, time.time() - start


def interrupted(args, folder, rng):
    """Runs until done, killed at `kills` random epochs (and a random fraction of a second past
    the epoch line, so some kills land inside a checkpoint write)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    targets = sorted(rng.sample(range(2, args.epochs), args.kills))
    kills = []
    resumes = 0
    start = time.time()
    while True:
        resume = os.path.exists(os.path.join(folder, "last.ckpt"))
        resumes += resume
        p = subprocess.Popen(command(args, folder, resume), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        killed = False
        for line in p.stdout:
            e = epoch_of(line)
            if e is not None and targets and e >= targets[0]:
                time.sleep(rng.uniform(0, 0.5))
                p.send_signal(signal.SIGKILL)
                kills.append(targets.pop(0))
                killed = True
                break
        p.wait()
        if not killed:
            if p.returncode != 0:
                sys.exit(f"soak: resumed run failed with exit {p.returncode}")
            return kills, resumes, time.time() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2000)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0, help="seed of the kill moments and of training")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--checkpoint-every", type=int, default=10)
    ap.add_argument("--binary", default=os.path.join(root, ".build/release/gnnpipe"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="soak-")
    try:
        a, b = os.path.join(work, "uninterrupted"), os.path.join(work, "interrupted")
        rss, seconds_a = uninterrupted(args, a)
        kills, resumes, seconds_b = interrupted(args, b, random.Random(args.seed))
        same = {}
        for name in ["last.ckpt", "best.ckpt"]:
            with open(os.path.join(a, name), "rb") as f, open(os.path.join(b, name), "rb") as g:
                same[name] = f.read() == g.read()
        early = rss.get(100, 0)
        last = rss.get(args.epochs, 0)
        growth = (last - early) / early if early else float("nan")
        summary = {
            "epochs": args.epochs, "kills": kills, "resumes": resumes, "identical": same,
            "rss_kib_epoch_100": early, f"rss_kib_epoch_{args.epochs}": last, "rss_growth": round(growth, 4),
            "rss_kib_max": max(rss.values()), "seconds_uninterrupted": round(seconds_a, 1),
            "seconds_interrupted": round(seconds_b, 1), "threads": args.threads,
        }
        print(json.dumps(summary))
        ok = all(same.values()) and len(kills) == args.kills and abs(growth) <= 0.05
        sys.exit(0 if ok else 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
