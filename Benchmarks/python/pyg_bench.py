"""Per-epoch training time of GCN / GCNII / GraphSAGE in PyTorch Geometric, for the side-by-side
harness (Benchmarks/gnn_bench.py). Prints one JSON object on stdout.

    python pyg_bench.py --dataset graphs/cora --model gcn --layers 2 --hidden 16 --dropout 0.5
    python pyg_bench.py --csr data/rmat20 --model gcnii --layers 8 --hidden 64   # CSR from graphbench

Settings follow PyG's examples (gcn.py, gcn2_cora.py): GCNConv(cached=True) / GCN2Conv(cached=True,
shared_weights=True) with gcn normalisation and self-loops computed once, SAGEConv(aggr="mean");
Adam with the reference weight-decay groups. The adjacency is passed as a torch.sparse CSR matrix
(--adjacency csr, default) or as edge_index (--adjacency edge_index). One epoch = forward +
cross-entropy on the training nodes + backward + Adam step, as in the engine's measurement.
"""
import argparse, json, os, statistics, sys, time

import numpy as np
import torch
import torch.nn.functional as F
from torch_geometric.nn import GCNConv, GCN2Conv, SAGEConv


def load_folder(path):
    """edges.tsv, features.mtx|.npy, labels.tsv, split.tsv as written in graphs/ (integer ids)."""
    import scipy.io, scipy.sparse as sp
    src, dst = [], []
    with open(os.path.join(path, "edges.tsv")) as f:
        for line in f:
            if line.startswith(("#", "%")) or not line.strip():
                continue
            a, b = line.split()[:2]
            src.append(int(a)); dst.append(int(b))
    if os.path.exists(os.path.join(path, "features.npy")):
        x = np.load(os.path.join(path, "features.npy")).astype(np.float32)
    else:
        x = np.asarray(scipy.io.mmread(os.path.join(path, "features.mtx")).todense(), dtype=np.float32)
    n = max(max(src), max(dst)) + 1
    n = max(n, x.shape[0])
    y = np.full(n, -1, dtype=np.int64)
    with open(os.path.join(path, "labels.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, b = line.split()[:2]
            y[int(a)] = int(b)
    split = {"train": [], "val": [], "test": []}
    with open(os.path.join(path, "split.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, b = line.split()[:2]
            split[b].append(int(a))
    # Undirected, duplicates merged, self-loops dropped (as GraphBuilder's defaults).
    a = sp.coo_matrix((np.ones(len(src), dtype=np.float32), (src, dst)), shape=(n, n))
    a = ((a + a.T) > 0).astype(np.float32).tocsr()
    a.setdiag(0); a.eliminate_zeros(); a.sort_indices()
    rs = x.sum(1, keepdims=True)  # row normalisation (Kipf & Welling)
    x = np.divide(x, rs, out=np.zeros_like(x), where=rs != 0)
    return a.indptr.astype(np.int64), a.indices.astype(np.int64), x, y, split


def load_csr(prefix, dim, classes, seed):
    """Graph exported by `graphbench gnn --export-csr PREFIX`; random features and labels."""
    rowptr = np.load(prefix + ".rowptr.npy").astype(np.int64)
    col = np.load(prefix + ".col.npy").astype(np.int64)
    n = len(rowptr) - 1
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, dim, generator=g)
    y = torch.randint(0, classes, (n,), generator=g)
    split = {"train": list(range(n)), "val": [], "test": []}
    return rowptr, col, x, y, split


class GCN(torch.nn.Module):
    def __init__(self, i, h, o, layers, dropout):
        super().__init__()
        dims = [i] + [h] * (layers - 1) + [o]
        self.convs = torch.nn.ModuleList(GCNConv(dims[k], dims[k + 1], cached=True) for k in range(layers))
        self.dropout = dropout

    def forward(self, x, adj):
        for k, conv in enumerate(self.convs):
            x = F.dropout(x, self.dropout, self.training)
            x = conv(x, adj)
            if k < len(self.convs) - 1:
                x = x.relu()
        return x


class SAGE(torch.nn.Module):
    def __init__(self, i, h, o, layers, dropout):
        super().__init__()
        dims = [i] + [h] * (layers - 1) + [o]
        self.convs = torch.nn.ModuleList(SAGEConv(dims[k], dims[k + 1], aggr="mean") for k in range(layers))
        self.dropout = dropout

    def forward(self, x, adj):
        for k, conv in enumerate(self.convs):
            x = F.dropout(x, self.dropout, self.training)
            x = conv(x, adj)
            if k < len(self.convs) - 1:
                x = x.relu()
        return x


class GCNII(torch.nn.Module):
    def __init__(self, i, h, o, layers, dropout, alpha, theta):
        super().__init__()
        self.lins = torch.nn.ModuleList([torch.nn.Linear(i, h), torch.nn.Linear(h, o)])
        self.convs = torch.nn.ModuleList(
            GCN2Conv(h, alpha, theta, layer + 1, shared_weights=True, normalize=True, cached=True) for layer in range(layers))
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.dropout(x, self.dropout, training=self.training)
        x = x_0 = self.lins[0](x).relu()
        for conv in self.convs:
            x = F.dropout(x, self.dropout, training=self.training)
            x = conv(x, x_0, adj).relu()
        x = F.dropout(x, self.dropout, training=self.training)
        return self.lins[1](x)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset")
    p.add_argument("--csr", help="prefix of <prefix>.rowptr.npy / <prefix>.col.npy")
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--classes", type=int, default=16)
    p.add_argument("--model", choices=["gcn", "gcnii", "sage"], default="gcn")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--dropout", type=float, default=0.5)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--conv-weight-decay", type=float, default=0.01)
    p.add_argument("--alpha", type=float, default=0.1)
    p.add_argument("--theta", type=float, default=0.5)
    p.add_argument("--epochs", type=int, default=20, help="timed epochs")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--adjacency", choices=["csr", "edge_index"], default="csr")
    p.add_argument("--accuracy-epochs", type=int, default=0,
                   help="also train this many epochs and report test accuracy at the best validation epoch")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    if args.csr:
        rowptr, col, x, y, split = load_csr(args.csr, args.dim, args.classes, args.seed)
    else:
        rowptr, col, xn, yn, split = load_folder(args.dataset)
        x, y = torch.from_numpy(xn), torch.from_numpy(yn)
    n = len(rowptr) - 1
    rowptr_t, col_t = torch.from_numpy(rowptr), torch.from_numpy(col)
    if args.adjacency == "csr":
        # Symmetric graph: the transposed adjacency PyG expects equals A.
        adj = torch.sparse_csr_tensor(rowptr_t, col_t, torch.ones(len(col)), size=(n, n))
    else:
        row = torch.repeat_interleave(torch.arange(n), rowptr_t[1:] - rowptr_t[:-1])
        adj = torch.stack([col_t, row])  # edge_index[0] = source j, [1] = target i
    load_seconds = time.perf_counter() - t0
    classes = int(y.max()) + 1
    train = torch.tensor(split["train"], dtype=torch.long)

    if args.model == "gcn":
        model = GCN(x.size(1), args.hidden, classes, args.layers, args.dropout)
        groups = [dict(params=model.convs[0].parameters(), weight_decay=args.weight_decay),
                  dict(params=[q for c in model.convs[1:] for q in c.parameters()], weight_decay=0.0)]
    elif args.model == "sage":
        model = SAGE(x.size(1), args.hidden, classes, args.layers, args.dropout)
        groups = [dict(params=model.parameters(), weight_decay=args.weight_decay)]
    else:
        model = GCNII(x.size(1), args.hidden, classes, args.layers, args.dropout, args.alpha, args.theta)
        groups = [dict(params=model.convs.parameters(), weight_decay=args.conv_weight_decay),
                  dict(params=model.lins.parameters(), weight_decay=args.weight_decay)]
    optimizer = torch.optim.Adam(groups, lr=args.lr)

    def step():
        model.train()
        optimizer.zero_grad()
        out = model(x, adj)
        loss = F.cross_entropy(out[train], y[train])
        loss.backward()
        optimizer.step()
        return loss.item()

    times = []
    for e in range(args.warmup + args.epochs):
        s = time.perf_counter()
        step()
        if e >= args.warmup:
            times.append(time.perf_counter() - s)

    result = {"tool": "pyg", "model": args.model, "layers": args.layers, "hidden": args.hidden,
              "nodes": n, "nnz": int(len(col)), "threads": args.threads, "adjacency": args.adjacency,
              "epoch_seconds": times, "mean_epoch_seconds": statistics.mean(times), "min_epoch_seconds": min(times),
              "median_epoch_seconds": statistics.median(times), "load_seconds": load_seconds,
              "torch": torch.__version__}

    if args.accuracy_epochs:
        import torch_geometric
        result["torch_geometric"] = torch_geometric.__version__
        val = torch.tensor(split["val"]); test = torch.tensor(split["test"])
        best_val, test_at_best = -1.0, 0.0
        for _ in range(args.accuracy_epochs):
            step()
            model.eval()
            with torch.no_grad():
                pred = model(x, adj).argmax(1)
            v = float((pred[val] == y[val]).float().mean())
            if v > best_val:
                best_val, test_at_best = v, float((pred[test] == y[test]).float().mean())
        result["val_accuracy"], result["test_accuracy"] = best_val, test_at_best
    print(json.dumps(result))


if __name__ == "__main__":
    main()
