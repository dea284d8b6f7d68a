#!/usr/bin/env bash
# GNNPipe on one machine: mpirun with RANKS processes of gnnpipe, all arguments passed through.
#   launch/gnnpipe-local.sh 4 train graphs/cora                 # pipeline: 4 stages, GCNII-32, 8 chunks
#   launch/gnnpipe-local.sh 4 train graphs/cora --parallelism graph
# Environment: GNNPIPE (binary, default .build/release/gnnpipe next to this script's folder),
# MPIRUN (default mpirun). Relative dataset paths are read from the current folder.
set -euo pipefail
ranks=${1:?usage: gnnpipe-local.sh RANKS ARGS...  (e.g. 4 train graphs/cora)}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${GNNPIPE:-$root/.build/release/gnnpipe}
[ -x "$binary" ] || { echo "error: $binary not found; build it with: swift build -c release --product gnnpipe" >&2; exit 1; }
# One OpenBLAS thread per rank: ranks already occupy the cores.
flags=(-x OPENBLAS_NUM_THREADS=1)
# Open MPI refuses to run as root unless told so (containers, CI).
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
# More ranks than cores needs --oversubscribe (fine for tests; slower for timing).
cores=$(nproc)
[ "$ranks" -gt "$cores" ] && flags+=(--oversubscribe)
export OPENBLAS_NUM_THREADS=1
exec "${MPIRUN:-mpirun}" -n "$ranks" "${flags[@]}" "$binary" "$@"
