#!/usr/bin/env bash
# Fresh Debian 12 machine with Swift: install what is missing, build in release, run the demo
# on the bundled graphs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install-deps.sh
swift build -c release
bin=.build/release/graphlearning
out=$(mktemp -d)
echo "== Cora: load, summarise, METIS into 4 parts"
"$bin" summary graphs/cora --parts 4
echo
echo "== BlogCatalog: load, summarise, METIS into 8 parts, write the part of every node"
"$bin" summary graphs/blogcatalog --parts 8
"$bin" partition graphs/blogcatalog --parts 8 --seed 1 -o "$out/blogcatalog-parts.npy"
echo
echo "== FastRP: embed BlogCatalog (paper settings, d = 512) and score node classification at 50% labelled"
.build/release/fastrp embed graphs/blogcatalog/edges.tsv --paper-blogcatalog -o "$out/blogcatalog-fastrp.npy"
.build/release/fastrp evaluate --embeddings "$out/blogcatalog-fastrp.npy" --labels graphs/blogcatalog/labels.tsv --ratios 0.5 --shuffles 1
echo
echo "== Open MPI: 2 ranks all-reduce and ring exchange"
bash launch/mpirun-local.sh 2 "$bin" mpi-check
echo
echo "== GNNPipe: mpirun -n 4 gnnpipe train on Cora (GCNII-32, 4 pipeline stages, 8 METIS chunks, up to 300 epochs, early stopping)"
bash launch/gnnpipe-local.sh 4 train graphs/cora --epochs 300 --trace "$out/gnnpipe-trace.json" --metrics "$out/gnnpipe.jsonl"
echo "(open $out/gnnpipe-trace.json in https://ui.perfetto.dev to see the pipeline schedule)"
echo
echo "demo outputs are in $out"
