#!/usr/bin/env python3
"""RpHGNN's pre-computation in NumPy/SciPy, as a side-by-side peer for `rphgnn precompute`.

    python3 Benchmarks/python/rphgnn_numpy.py graphs/hgb/ACM.zip --seed 1

Same algorithm and shapes as the engine (and as CrawlScript/RpHGNN's rphgnn_pre.py with the
per-dataset K, random-feature width and raw-input slot): one direction kept per HGB relation
pair, same-type relations symmetrised, mean aggregation (scipy.sparse CSR @ dense), even-odd
propagation, sparse ±√3 random projections (NumPy's default_rng; the matrices differ from the
engine's), row L2 normalisation, sum, K iterations; squashing skipped after the last one.
Only the pre-computation is timed (not reading the files). Prints one JSON line.
"""
import argparse, io, json, time, zipfile

import numpy as np
import scipy.sparse as sp

SETTINGS = {"acm": (6, 256, True), "dblp": (5, 1024, False), "imdb": (3, 1024, True)}


def read_files(path):
    z = zipfile.ZipFile(path)
    node = next(n for n in z.namelist() if n.endswith("node.dat") and not n.startswith("__MACOSX"))
    prefix = node[: -len("node.dat")]
    return {name: z.read(prefix + name).decode() for name in ("node.dat", "link.dat", "label.dat")}


def load(path):
    files = read_files(path)
    types, local, feats = {}, {}, {}
    for line in files["node.dat"].splitlines():
        f = line.rstrip("\r").split("\t")
        if len(f) < 3:
            continue
        g, t = int(f[0]), int(f[2])
        types.setdefault(t, []).append(g)
        if len(f) > 3 and f[3]:
            feats[g] = f[3]
    type_ids = sorted(types)
    counts = []
    x0 = []
    for t in type_ids:
        ids = sorted(types[t])
        for i, g in enumerate(ids):
            local[g] = (type_ids.index(t), i)
        counts.append(len(ids))
        x0.append(np.array([np.array(feats[g].split(","), dtype=np.float32) for g in ids]) if ids[0] in feats else None)
    links = {}
    for line in files["link.dat"].splitlines():
        f = line.rstrip("\r").split("\t")
        if len(f) < 3:
            continue
        (st, s), (tt, t) = local[int(f[0])], local[int(f[1])]
        links.setdefault(int(f[2]), (st, tt, [], []))
        links[int(f[2])][2].append(s)
        links[int(f[2])][3].append(t)
    relations = []
    for r in sorted(links):
        st, tt, s, t = links[r]
        a = sp.csr_matrix((np.ones(len(s), dtype=np.float32), (s, t)), shape=(counts[st], counts[tt]))
        a.data[:] = 1
        relations.append((st, tt, a))
    first = files["label.dat"].splitlines()[0].split("\t")
    target = local[int(first[0])][0]
    return counts, x0, relations, target


def rownorm_mean(a):
    d = np.asarray(a.sum(1)).ravel()
    return (sp.diags(np.where(d > 0, 1 / np.maximum(d, 1), 0).astype(np.float32)) @ a).tocsr()


def precompute(counts, x0, relations, target, k, e, use_input, seed):
    rng = np.random.default_rng(seed)
    kept = []
    for st, tt, a in relations:
        if any(kst == tt and ktt == st and (ka.T != a).nnz == 0 for kst, ktt, ka in kept):
            continue
        kept.append((st, tt, a))
    ops = []
    for st, tt, a in kept:
        if st == tt:
            p = rownorm_mean(((a + a.T) > 0).astype(np.float32))
            ops.append((st, tt, p, p))
        else:
            ops.append((st, tt, rownorm_mean(a.T.tocsr()), rownorm_mean(a)))
    x = [m if m is not None else (rng.standard_normal((n, e)) / np.sqrt(e)).astype(np.float32) for m, n in zip(x0, counts)]
    dims = [m.shape[1] for m in x]
    nbr = [set() for _ in counts]
    for st, tt, _, _ in ops:
        nbr[st].add(tt)
        nbr[tt].add(st)
    updates = [set() for _ in range(k)]
    needed = {target} | nbr[target]
    for i in range(k - 2, -1, -1):
        updates[i] = set(needed)
        prev = {target} | nbr[target]
        for t in needed:
            prev |= {t} | nbr[t]
        needed = prev
    groups = {}
    scale = np.float32(np.sqrt(3))
    for it in range(k):
        landing = updates[it] | {target}
        nxt = {t: np.zeros((counts[t], dims[t]), dtype=np.float32) for t in updates[it]}

        def emit(h, t, j, parity):
            if t == target:
                groups.setdefault((j, parity), []).append(h)
            if t in nxt:
                r = rng.choice(np.array([scale, 0, -scale], dtype=np.float32), p=[1 / 6, 2 / 3, 1 / 6], size=(h.shape[1], dims[t]))
                y = h @ r
                y /= np.maximum(np.linalg.norm(y, axis=1, keepdims=True), 1e-12)
                nxt[t] += y

        for j, (st, tt, fw, bw) in enumerate(ops):
            if st == tt:
                if st in landing:
                    odd = fw @ x[st]
                    emit(odd, st, j, 0)
                    emit(fw @ odd, st, j, 1)
                continue
            if st in landing or tt in landing:
                odd_t = fw @ x[st]
                if tt in landing:
                    emit(odd_t, tt, j, 0)
                if st in landing:
                    emit(bw @ odd_t, st, j, 1)
                odd_s = bw @ x[tt]
                if st in landing:
                    emit(odd_s, st, j, 0)
                if tt in landing:
                    emit(fw @ odd_s, tt, j, 1)
        for t, m in nxt.items():
            x[t] = m
    out = []
    for key in sorted(groups):
        slots = groups[key]
        if key[1] == 1 and use_input:
            slots = [x0[target]] + slots
        out.append(np.stack(slots, axis=1))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dataset")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    name = args.dataset.rstrip("/").split("/")[-1].lower().removesuffix(".zip")
    k, e, use_input = SETTINGS[name]
    counts, x0, relations, target = load(args.dataset)
    start = time.monotonic()
    groups = precompute(counts, x0, relations, target, k, e, use_input, args.seed)
    seconds = time.monotonic() - start
    print(json.dumps({"precompute_seconds": seconds, "groups": [list(g.shape) for g in groups]}))


if __name__ == "__main__":
    main()
