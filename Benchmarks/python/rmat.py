"""Write an R-MAT edge list (Chakrabarti, Zhan & Faloutsos, SDM 2004) as `src<TAB>dst` lines.

Quadrant probabilities a, b, c, d = 0.57, 0.19, 0.19, 0.05 (Graph500). Self-loops are dropped
and ids are scrambled by a seeded permutation so high-degree nodes are not all at low ids.
"""
import argparse
import numpy as np

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=int, default=20)
    p.add_argument("--edge-factor", type=int, default=16)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("out")
    args = p.parse_args()
    n = 1 << args.scale
    m = args.edge_factor * n
    rng = np.random.default_rng(args.seed)
    src = np.zeros(m, dtype=np.int64)
    dst = np.zeros(m, dtype=np.int64)
    a, b, c = 0.57, 0.19, 0.19
    for level in range(args.scale):
        r = rng.random(m)
        right = (r >= a) & (r < a + b) | (r >= a + b + c)
        down = r >= a + b
        src |= down.astype(np.int64) << level
        dst |= right.astype(np.int64) << level
    perm = rng.permutation(n)
    src, dst = perm[src], perm[dst]
    keep = src != dst
    src, dst = src[keep], dst[keep]
    with open(args.out, "w") as f:
        f.write(f"# R-MAT scale {args.scale}, edge factor {args.edge_factor}, seed {args.seed}\n")
        chunk = 1 << 20
        for i in range(0, len(src), chunk):
            block = np.stack([src[i:i + chunk], dst[i:i + chunk]], axis=1)
            f.write("\n".join(f"{s}\t{d}" for s, d in block.tolist()))
            f.write("\n")

if __name__ == "__main__":
    main()
