#!/usr/bin/env bash
# Runs the whole test suite (unit tests, CLI tests that run the real binaries, mpirun tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install-deps.sh
swift build --build-tests
# The optimised build too: one test runs it over MPI's TCP transport, where object lifetimes
# that only the optimiser shortens matter (CLITests collectivesOverTCPInTheReleaseBuild).
swift build -c release --product graphlearning
# OpenBLAS at one thread, as every CLI sets it (the engine splits products into row blocks on its
# own threads). The test process must never change this mid-run: results depend on it.
export OPENBLAS_NUM_THREADS=1
swift test --skip-build "$@"
