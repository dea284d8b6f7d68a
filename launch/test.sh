#!/usr/bin/env bash
# Runs the whole test suite (unit tests, CLI tests that run the real binaries, mpirun tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
