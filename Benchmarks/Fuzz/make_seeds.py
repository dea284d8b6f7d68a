#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (Benchmarks/Fuzz/corpus/<target>/).

Seeds come from the bundled data (graphs/, first lines only, so every seed stays small) and the
binary test fixtures (Tests/GraphIOTests/FixtureData.swift). A seed of a target that reads a
selector byte starts with it (see Sources/graphfuzz/GraphFuzz.swift). The checkpoint and cache
seeds are written by the library itself: `FUZZ_MAKE_SEEDS=DIR graphfuzz` (fuzz.sh runs it).
Run from anywhere: python3 Benchmarks/Fuzz/make_seeds.py
"""
import base64, os, re

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
corpus = os.path.join(here, "corpus")


def head(path, lines):
    with open(os.path.join(root, path), "rb") as f:
        return b"".join(f.readlines()[:lines])


written = set()


def seed(target, name, data):
    folder = os.path.join(corpus, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    written.add(os.path.join(target, name))


def fixtures():
    text = open(os.path.join(root, "Tests/GraphIOTests/FixtureData.swift")).read()
    out = {}
    for name, body in re.findall(r'"([\w.]+)": """(.*?)"""', text, re.S):
        out[name] = base64.b64decode("".join(body.split()))
    return out


def main():
    # Seeds are (re)written in place; files this script does not make (inputs saved from fuzzing
    # runs, regression cases of fixed crashes) stay, and are listed at the end.
    fx = fixtures()
    # Edge lists: selector byte s -> id mode s%3, weighted s/3%3, numNodes 64 (0x40),
    # 3 threads (0x30 both set), skipRows 1 (0x80).
    karate = head("graphs/karate/edges.tsv", 40)
    cora = head("graphs/cora/edges.tsv", 60)
    texts = {
        "karate": karate, "cora": cora,
        "weighted": b"0 1 0.5\n1 2 2\n2,0,1e-3\n",
        "strings": b"ann,bob\nbob carl 2\n",
        "header": b"source,target\n0,1\n1,2\n",
        "header-weighted": b"src dst weight\n0 1 0.5\n1 2 1\n",
        "names-with-space": b"Ann Lee\tBob\n",
        "crlf-bom": b"\xef\xbb\xbf# c\r\n0\t1\r\n1\t2\r\n",
        "sparse-ids": b"42\t4967596\n",  # the METIS case of issue 15 item 5
        "comments": b"% m\n# c\n\n  3 4  \n",
        "trailing-header": b"0\t1\n1\t2\nsource\ttarget\n",  # issue 15: a stray line, not names
    }
    for name, data in texts.items():
        for s in (0, 0x31, 0x85):
            seed("edgelist", f"{name}-{s:02x}", bytes([s]) + data)
    # Matrix Market: even selector dense, odd sparse.
    mtx = {
        "cora-head": head("graphs/cora/features.mtx", 2) + b"3 1433 7\n1 20 1\n1 82 1\n2 20 1\n2 89 1\n3 1 1\n3 2 1\n3 1433 1\n",
        "array": b"%%MatrixMarket matrix array real general\n2 3\n1\n2\n3\n4\n5\n6\n",
        "integer": b"%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 3\n2 2 -4\n",
        "pattern-symmetric": b"%%MatrixMarket matrix coordinate pattern symmetric\n3 3 2\n2 1\n3 2\n",
    }
    for name, data in mtx.items():
        seed("mtx", name + "-dense", b"\x00" + data)
        seed("mtx", name + "-sparse", b"\x01" + data)
    for name, data in fx.items():
        if name.endswith(".npy") and len(data) < 4096:
            seed("npy", name, data)
            seed("embeddings", name, b"\x02" + data)
        if name.endswith(".npz"):
            seed("npz", name, data)
        if name.endswith(".zip"):
            seed("hgbzip", name, data)
    # Labels (even selector) and splits (odd); selector >> 2 is the node count, bit 1 names.
    seed("labels", "karate", bytes([34 << 2]) + head("graphs/karate/labels.tsv", 40))
    seed("labels", "cora", bytes([60 << 2]) + head("graphs/cora/labels.tsv", 20))
    seed("labels", "multi", bytes([4 << 2]) + b"0\ta\n0\tb\n1\tc\n")
    seed("labels", "names", bytes([(3 << 2) | 2]) + b"n0\tx\nn2\ty\n")
    seed("labels", "split", bytes([(60 << 2) | 1]) + head("graphs/cora/split.tsv", 30))
    seed("labels", "split-names", bytes([(3 << 2) | 3]) + b"n0\ttrain\nn1\tval\nn2\ttest\n")
    # Issue 15: -1 among names (unlabelled), a negative label beyond 64 bits (an error), no
    # labelled node (an error).
    seed("labels", "minus-one-names", bytes([4 << 2]) + b"0\tcat\n1\t-1\n2\tdog\n")
    seed("labels", "negative-overflow", bytes([3 << 2]) + b"0\t1\n1\t0\n2\t-9223372036854775809\n")
    seed("labels", "all-unlabelled", bytes([2 << 2]) + b"0\t-1\n1\t-1\n")
    # Hyperedges: odd selector gives numVertices = s >> 1.
    seed("hyperedges", "cocitation", b"\x00" + head("graphs/cocitation-cora/hyperedges.tsv", 30))
    seed("hyperedges", "bounded", bytes([(100 << 1) | 1]) + b"0\t1\t2\n3\t4\n99\n")
    # HGB folder: selector picks the file replaced (node, link, label, label.test, info).
    hgb = {"node": (0, b"0\ta\t0\t0.5,1.0\n1\tb\t0\t1.5,0.0\n2\tc\t1\n3\td\t1\n"),
           "link": (1, b"0\t2\t0\t1.0\n1\t3\t0\t1.0\n0\t3\t0\t0.5\n"),
           "label": (2, b"0\ta\t0\t0\n"), "label-test": (3, b"1\tb\t0\t1\n"), "info": (4, b"{}\n")}
    for name, (s, data) in hgb.items():
        seed("hgb", name, bytes([s]) + data)
    # Embeddings: selector % 3 picks .tsv, .txt (word2vec), .npy.
    seed("embeddings", "tsv", b"\x00a\t0.5\t1\nb\t-2\t3e-2\n")
    seed("embeddings", "word2vec", b"\x01" + b"2 3\nann 0.1 0.2 0.3\nbob 1 2 3\n")
    # gzip: even selector a .gz edge list (bit 1: numNodes 64), odd a .gz label file. The gzip
    # bytes are written with mtime 0, so the seeds are the same on every run.
    import gzip
    for name, data in {"karate": karate, "crlf-bom": texts["crlf-bom"], "strings": texts["strings"]}.items():
        seed("gzip", name, b"\x00" + gzip.compress(data, mtime=0))
    seed("gzip", "two-members", b"\x02" + gzip.compress(b"0 1\n", mtime=0) + gzip.compress(b"1 2\n", compresslevel=1, mtime=0))
    seed("gzip", "labels", b"\x01" + gzip.compress(head("graphs/karate/labels.tsv", 12), mtime=0))
    # OGB folder: selector % 8 picks the table replaced, in sorted order of their paths.
    ogb = {"raw/edge.csv": b"0,1\n1,2\n2,3\n3,0\n", "raw/node-feat.csv": b"0.5,1\n-2,0\n1e-3,3\n0,0\n7,8\n",
           "raw/node-label.csv": b"0\n2\n1\n2\n\n", "raw/num-edge-list.csv": b"4\n", "raw/num-node-list.csv": b"5\n",
           "split/s/test.csv": b"3\n", "split/s/train.csv": b"0\n1\n", "split/s/valid.csv": b"2\n"}
    for k, name in enumerate(sorted(ogb)):
        seed("ogb", name.replace("/", "-"), bytes([k]) + ogb[name])
    print(f"{len(written)} seeds written to", corpus)
    kept = sorted(os.path.relpath(os.path.join(d, f), corpus) for d, _, files in os.walk(corpus) for f in files
                  if os.path.relpath(os.path.join(d, f), corpus) not in written)
    if kept:
        print(f"{len(kept)} other files kept (not made here):", " ".join(kept))


main()
