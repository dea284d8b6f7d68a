// GCNII-32 on Cora, pipelined over the ranks of mpirun (GNNPipe), through the library alone:
//   swift build -c release --product distributed-cora
//   mpirun -n 4 .build/release/distributed-cora graphs/cora 300    (as root: launch/mpirun-local.sh 4 …)
import Foundation
import GraphLearning

let arguments = CommandLine.arguments
let folder = arguments.count > 1 ? arguments[1] : "graphs/cora"
let epochs = arguments.count > 2 ? Int(arguments[2]) ?? 300 : 300
let world = try MPICommunicator.initialize()
do {
    let (adjacency, task) = try world.agree({  // every rank loads; an error is reported once
        let data = try NodeDataset.load(folder)
        let task = try NodeClassificationTask(
            features: FeaturePreprocessing.rowNormalized(data.features!), labels: data.labels!.singleLabels(),
            numClasses: data.labels!.numClasses, train: data.split!.train, validation: data.split!.val,
            test: data.split!.test)
        return (try GraphBuilder.build(data.edges, options: .undirected), task)
    }, describe: DistributedRun.describe)
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
} catch let failure as AgreedFailure {  // a set-up error every rank saw: rank 0 says it once
    if world.rank == 0 { print("error: \(failure)") }
    world.finalize()
    exit(failure.code)
} catch {  // a failure while training: name the rank, end the whole job
    print("error: rank \(world.rank) on \(world.hostName): \(error)")
    try? world.abort(code: 1, reason: "\(error)")
}
world.finalize()
