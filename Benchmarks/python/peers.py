"""NumPy/SciPy side of the benchmark: each task prints one JSON line."""
import argparse, json, time
import numpy as np
import scipy.sparse as sp

def best_of(repeats, fn):
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out

def load(path):
    # A single comment character keeps loadtxt on its fast C path (a list of them is slower).
    return np.loadtxt(path, dtype=np.int64, comments="#", ndmin=2)

def parse(args):
    secs, edges = best_of(args.repeats, lambda: load(args.path))
    print(json.dumps({"tool": "numpy.loadtxt", "task": "parse", "seconds": secs, "edges": int(edges.shape[0])}))

def spmm(args):
    e = load(args.path)
    n = int(e.max()) + 1
    src = np.concatenate([e[:, 0], e[:, 1]])
    dst = np.concatenate([e[:, 1], e[:, 0]])
    keep = src != dst
    a = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.float32), (src[keep], dst[keep])), shape=(n, n))
    a.sum_duplicates()
    a.data[:] = 1.0  # duplicates merged to one entry of weight 1, as GraphLearning's default
    x = np.random.default_rng(1).random((n, args.dim), dtype=np.float32)
    secs, y = best_of(args.repeats, lambda: a @ x)
    print(json.dumps({"tool": "scipy.sparse", "task": "spmm", "seconds": secs, "dim": args.dim,
                      "nnz": int(a.nnz), "nodes": n, "checksum": float(y.sum(dtype=np.float64))}))

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("task", choices=["parse", "spmm"])
    p.add_argument("path")
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    {"parse": parse, "spmm": spmm}[args.task](args)
