"""FastRP peers for Benchmarks/fastrp_bench.py; each run prints one JSON line on stdout.

    fastrp_peers.py scipy EDGES OUT.npy [--dim 128] [--weights 1,1,7.81,45.28] [--beta -0.628]
    fastrp_peers.py rust  EDGES OUT.npy [--dim 128] [--weights ...]

Both read the edge list with pandas' C parser, build the undirected adjacency matrix (duplicates
merged, self-loops dropped: the same graph as `fastrp embed`), embed, and write float32 .npy.
Reported: read_seconds, embed_seconds, write_seconds, total_seconds (read TSV → written .npy).

scipy: the same algorithm as `fastrp embed` (Chen et al., CIKM 2019, Algorithm 1):
    N_1 = P·L·R, N_i = P·N_{i-1}, N = Σ α_i · rownorm(N_i),  P = D⁻¹A, L = diag(d^β),
    R very sparse (±√(s/d) with probability 1/(2s) each, s = √n).
P·L·R is a sparse × sparse product; the later N_i are SciPy csr × dense (single-threaded).

rust: the PyPI package `fastrp` (FastRP-rs, rayon threads = all cores). Its iteration weights
start at A⁰·H₀, so k propagation steps are `[0] + weights`; it has no degree normalisation and
no per-iteration row normalisation, and draws H₀ with s = 3.
"""
import argparse, json, os, sys, time

import numpy as np
import pandas as pd
import scipy.sparse as sp


def read_graph(path):
    t = time.perf_counter()
    frame = pd.read_csv(path, sep="\t", header=None, comment="#", dtype=np.int64, engine="c")
    e = frame.to_numpy()
    del frame
    n = int(e.max()) + 1
    src = np.concatenate([e[:, 0], e[:, 1]])
    dst = np.concatenate([e[:, 1], e[:, 0]])
    del e
    keep = src != dst
    a = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.float32), (src[keep], dst[keep])), shape=(n, n))
    del src, dst, keep
    a.sum_duplicates()
    a.data[:] = 1.0
    return a, time.perf_counter() - t


def scipy_fastrp(a, dim, weights, beta, seed):
    n = a.shape[0]
    deg = np.asarray(a.sum(axis=1)).ravel().astype(np.float32)
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    p = sp.diags(inv) @ a
    p = p.tocsr().astype(np.float32)
    s = np.sqrt(n)
    rng = np.random.default_rng(seed)
    nz = rng.binomial(n * dim, 1.0 / s)
    flat = rng.choice(n * dim, size=nz, replace=False)
    vals = np.where(rng.random(nz) < 0.5, -1.0, 1.0).astype(np.float32) * np.float32(np.sqrt(s / dim))
    rows, cols = flat // dim, flat % dim
    scale = np.where(deg > 0, np.power(np.maximum(deg, 1), beta), 1.0).astype(np.float32)
    lr = sp.csr_matrix((vals * scale[rows], (rows, cols)), shape=(n, dim))
    out = np.zeros((n, dim), dtype=np.float32)
    cur = None
    for i, w in enumerate(weights):
        cur = (p @ lr).toarray() if i == 0 else p @ cur
        if w != 0:
            norms = np.linalg.norm(cur, axis=1)
            norms[norms == 0] = 1
            out += np.float32(w) * (cur / norms[:, None])
    return out


def rust_fastrp(a, dim, weights, seed):
    import fastrp
    return fastrp.fit_csr(a.indptr, a.indices, a.data, a.shape[0], dim=dim, weights=[0.0] + weights,
                          seed=seed, undirected=False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("tool", choices=["scipy", "rust"])
    p.add_argument("edges")
    p.add_argument("out")
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--weights", default="1,1,7.81,45.28")
    p.add_argument("--beta", type=float, default=-0.628)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    weights = [float(w) for w in args.weights.split(",")]
    start = time.perf_counter()
    a, read_seconds = read_graph(args.edges)
    t = time.perf_counter()
    if args.tool == "scipy":
        emb = scipy_fastrp(a, args.dim, weights, args.beta, args.seed)
    else:
        emb = rust_fastrp(a, args.dim, weights, args.seed)
    embed_seconds = time.perf_counter() - t
    nnz = int(a.nnz)
    del a
    t = time.perf_counter()
    np.save(args.out, np.ascontiguousarray(emb, dtype=np.float32))
    write_seconds = time.perf_counter() - t
    print(json.dumps({"tool": args.tool, "read_seconds": read_seconds, "embed_seconds": embed_seconds,
                      "write_seconds": write_seconds, "total_seconds": time.perf_counter() - start,
                      "nodes": int(emb.shape[0]), "dim": int(emb.shape[1]), "nnz": nnz,
                      "finite": bool(np.isfinite(emb).all())}))


if __name__ == "__main__":
    main()
