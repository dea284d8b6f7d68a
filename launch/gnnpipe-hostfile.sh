#!/usr/bin/env bash
# GNNPipe across several machines listed in an Open MPI hostfile, e.g.
#   node1 slots=2
#   node2 slots=2
# Usage: launch/gnnpipe-hostfile.sh HOSTFILE RANKS ARGS...
#   launch/gnnpipe-hostfile.sh hosts.txt 4 train /shared/graphs/cora --checkpoint /shared/ckpt
# The binary and the dataset must be at the same path on every host (shared or copied folder);
# --checkpoint and --resume need a folder every rank can read (all ranks read complete.json).
# Environment: GNNPIPE (binary, default .build/release/gnnpipe of this checkout), MAP_BY (default slot:
# consecutive stages on the same host, so most stage boundaries stay inside one machine).
set -euo pipefail
hostfile=${1:?usage: gnnpipe-hostfile.sh HOSTFILE RANKS ARGS...}
ranks=${2:?usage: gnnpipe-hostfile.sh HOSTFILE RANKS ARGS...}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${GNNPIPE:-$root/.build/release/gnnpipe}
flags=(-hostfile "$hostfile" --map-by "${MAP_BY:-slot}" --bind-to core)
# Forward the thread setting to remote ranks (-x exports an environment variable).
export OPENBLAS_NUM_THREADS=1
flags+=(-x OPENBLAS_NUM_THREADS)
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
exec "${MPIRUN:-mpirun}" -n "$ranks" "${flags[@]}" "$binary" "$@"
