// Umbrella module: `import GraphLearning` brings in the public engine modules.
@_exported import ClassificationMetrics
@_exported import DenseMath
@_exported import Embeddings
@_exported import MessagePassing
@_exported import DistributedTraining
@_exported import DistributedGraphs
@_exported import GraphCore
@_exported import GraphIO
@_exported import GNNModels
@_exported import GraphKernels
@_exported import HeterogeneousLearning
@_exported import HypergraphLearning
@_exported import NeuralNet
@_exported import NodeClassificationData
@_exported import Partitioning
