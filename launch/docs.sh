#!/usr/bin/env bash
# Builds the library's documentation with swift-docc-plugin: the umbrella module GraphLearning
# (its catalog holds the articles) and every engine module it re-exports, combined into one
# archive so that the modules link to each other. The command-line tools, CLISupport, the C
# shims, the example and the test support are not library API and are left out.
# Usage: launch/docs.sh [extra generate-documentation options, e.g. --output-path DIR]
# Output: .build/plugins/Swift-DocC/outputs/GraphLearning.doccarchive (or --output-path).
# Serve it with any static web server, or with `docc preview`.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(GraphLearning GraphCore GraphIO GraphKernels Partitioning DenseMath NeuralNet GNNModels
         ClassificationMetrics Embeddings HeterogeneousLearning HypergraphLearning
         MessagePassing DistributedTraining DistributedGraphs NodeClassificationData)
args=()
for t in "${targets[@]}"; do args+=(--target "$t"); done
exec swift package generate-documentation --enable-experimental-combined-documentation "${args[@]}" "$@"
