#!/usr/bin/env bash
# GNNPipe across several machines listed in an Open MPI hostfile, e.g.
#   node1 slots=2
#   node2 slots=2
# Usage: launch/gnnpipe-hostfile.sh HOSTFILE RANKS ARGS...
#   launch/gnnpipe-hostfile.sh hosts.txt 4 train /shared/graphs/cora --checkpoint /shared/ckpt
#   launch/gnnpipe-hostfile.sh /tmp/graphlearning-cluster/hostfile 4 train graphs/cora   # launch/netns-cluster.sh
# The binary and the dataset must be at the same path on every host (shared or copied folder);
# --checkpoint and --resume need a folder every rank can read (all ranks read complete.json).
# An mpi.env next to the hostfile (written by launch/netns-cluster.sh) is sourced first: it
# names the launch agent and the network for the test hosts.
# Environment: GNNPIPE (binary, default .build/release/gnnpipe of this checkout), MAP_BY (default slot:
# consecutive stages on the same host, so most stage boundaries stay inside one machine),
# BIND_TO (default core: one core per rank, as slots say; none where hosts share cores).
set -euo pipefail
hostfile=${1:?usage: gnnpipe-hostfile.sh HOSTFILE RANKS ARGS...}
ranks=${2:?usage: gnnpipe-hostfile.sh HOSTFILE RANKS ARGS...}
shift 2
[ -f "$hostfile" ] || { echo "error: hostfile $hostfile does not exist" >&2; exit 64; }
env_file=$(dirname "$hostfile")/mpi.env
# shellcheck disable=SC1090
[ -f "$env_file" ] && source "$env_file"
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${GNNPIPE:-$root/.build/release/gnnpipe}
[ -x "$binary" ] || { echo "error: $binary not found; build it with: swift build -c release --product gnnpipe" >&2; exit 1; }
flags=(-hostfile "$hostfile" --map-by "${MAP_BY:-slot}" --bind-to "${BIND_TO:-core}")
# Forward the thread setting to remote ranks (-x exports an environment variable).
export OPENBLAS_NUM_THREADS=1
flags+=(-x OPENBLAS_NUM_THREADS)
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
launcher=()
# The namespace test hosts run mpirun in their head namespace (MPIRUN_NETNS, from mpi.env).
[ -n "${MPIRUN_NETNS:-}" ] && launcher=(ip netns exec "$MPIRUN_NETNS")
exec "${launcher[@]}" "${MPIRUN:-mpirun}" -n "$ranks" "${flags[@]}" "$binary" "$@"
