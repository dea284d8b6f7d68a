// Umbrella module: `import GraphLearning` brings in the public engine modules.
@_exported import DenseMath
@_exported import Distributed
@_exported import Embeddings
@_exported import GraphCore
@_exported import GraphIO
@_exported import GraphKernels
@_exported import Partitioning
