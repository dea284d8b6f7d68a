#!/usr/bin/env bash
# Runs a command under Open MPI on this machine: adds --allow-run-as-root when root and
# --oversubscribe (more ranks than cores is fine for testing), and gives each rank one
# OpenBLAS thread so ranks do not fight over the cores.
#   launch/mpirun-local.sh 4 .build/release/graphlearning mpi-check
set -euo pipefail
ranks=${1:?usage: mpirun-local.sh RANKS COMMAND [ARGS...]}
shift
flags=(--oversubscribe -x OPENBLAS_NUM_THREADS=1)
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
exec mpirun -n "$ranks" "${flags[@]}" "$@"
