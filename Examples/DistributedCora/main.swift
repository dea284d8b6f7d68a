// GCNII-32 on Cora, pipelined over the ranks of mpirun (GNNPipe), through the library alone:
//   swift build -c release --product distributed-cora
//   mpirun -n 4 .build/release/distributed-cora graphs/cora 300    (as root: launch/mpirun-local.sh 4 …)
import GraphLearning

let arguments = CommandLine.arguments
let folder = arguments.count > 1 ? arguments[1] : "graphs/cora"
let epochs = arguments.count > 2 ? Int(arguments[2]) ?? 300 : 300
try MPIJob.run { world in  // a failing rank ends the whole job with one message naming rank and host
    // Every rank loads the dataset; an error is agreed between the ranks and reported once.
    let (adjacency, task) = try world.agree { try NodeDataset.nodeClassification(folder) }
    let model = GNNConfiguration(architecture: .gcnii, inputDim: task.features.cols, hiddenDim: 64,
                                 numClasses: task.numClasses, layers: 32, dropout: 0.6, seed: 0)
    let options = DistributedRunOptions(parallelism: .pipeline, pipeline: PipelineOptions(chunks: 8),
                                        training: TrainingOptions(epochs: epochs, patience: 100))
    let run = try DistributedRun(configuration: model, adjacency: adjacency, task: task,
                                 options: options, communicator: world)
    let summary = try run.run { report in
        if world.rank == 0 && report.epoch % 20 == 0 {
            print("epoch \(report.epoch): loss \(report.loss), val \(report.evaluation.validationAccuracy)")
        }
    }
    if world.rank == 0 { print("best epoch \(summary.bestEpoch): test accuracy \(summary.best.testAccuracy)") }
}
