import DenseMath
import Foundation
import GraphIO
import Logging

/// RpHGNN on an HGB dataset end to end: cached pre-computation, validation split, training and
/// scoring on `label.dat.test` and `label.dat.test_full`.
public enum RpHGNNPipeline {
    /// Pre-computed groups and where they came from.
    public struct Precomputed: Sendable {
        public let features: PrecomputedFeatures
        /// Whether they were read from the cache.
        public let fromCache: Bool
        /// The cache entry read or written, if any.
        public let cacheFolder: String?
        /// Wall-clock seconds to compute or read them.
        public let seconds: Double
    }

    /// The groups of `dataset`'s target type: read from `cache` when an entry for the same input
    /// files (`inputs`, e.g. the dataset's zip), options and target type exists, else computed
    /// with ``RpHGNNPrecomputation`` and stored. Temporary folders that killed runs left in the
    /// cache are removed first (``PrecomputationCache/removeStaleTemporaryFolders()``). A failed
    /// store (read-only or full disk) is logged as a warning and the computed groups returned.
    /// - Throws: ``HeterogeneousLearningError``.
    public static func precompute(_ dataset: HGBDataset, inputs: [String], options: PrecomputationOptions,
                                  cache: PrecomputationCache?, threads: Int = Parallel.defaultThreadCount,
                                  logger: Logger? = nil) throws(HeterogeneousLearningError) -> Precomputed {
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let target = dataset.graph.nodeTypes[dataset.targetType].name
        var key: String?
        if let cache {
            for path in cache.removeStaleTemporaryFolders() {
                logger?.info("removed \(path), a temporary folder left by a killed run")
            }
            key = try PrecomputationCache.key(inputs: inputs, options: options, extra: "target=\(dataset.targetType)")
            do throws(HeterogeneousLearningError) {
                if let (features, _) = try cache.load(key: key!) {
                    logger?.info("read pre-computed groups from \(cache.folder(for: key!))")
                    return Precomputed(features: features, fromCache: true, cacheFolder: cache.folder(for: key!), seconds: elapsed())
                }
            } catch {
                // A damaged or outdated entry is never used: drop it and compute afresh.
                logger?.warning("cache entry \(cache.folder(for: key!)) is unusable (\(error)); recomputing it")
                try? FileManager.default.removeItem(atPath: cache.folder(for: key!))
            }
        }
        let features = try RpHGNNPrecomputation.compute(graph: dataset.graph, features: dataset.features,
                                                        targetType: dataset.targetType, options: options,
                                                        threads: threads, logger: logger)
        let seconds = elapsed()
        var folder: String?
        if let cache, let key {
            // The cache is only a speed-up: a full or read-only disk costs the next run the
            // pre-computation, not this run its result.
            do throws(HeterogeneousLearningError) {
                folder = try cache.store(features, key: key, options: options,
                                         source: ["dataset": dataset.name, "target": target])
                logger?.info("stored pre-computed groups in \(folder!)")
            } catch {
                logger?.warning("could not store the pre-computed groups in the cache (\(error)); continuing without it")
            }
        }
        return Precomputed(features: features, fromCache: false, cacheFolder: folder, seconds: seconds)
    }

    /// How many nodes two label sets share, and on how many of those their classes agree.
    ///
    /// For HGB, `label.dat.test` should be a subset of `label.dat.test_full`; in the ACM and
    /// DBLP archives at hand they agree only at chance rate on the shared nodes, which makes
    /// scores on `label.dat.test_full` meaningless there.
    public static func agreement(_ a: NodeLabels, _ b: NodeLabels) -> (shared: Int, agreeing: Int) {
        var shared = 0, agreeing = 0
        for u in 0..<min(a.numNodes, b.numNodes) where !a.labels(of: u).isEmpty && !b.labels(of: u).isEmpty {
            shared += 1
            if a.labels(of: u) == b.labels(of: u) { agreeing += 1 }
        }
        return (shared, agreeing)
    }

    /// The test sets of `dataset` that exist: `label.dat.test` (HGB's public half of the test
    /// labels) and `label.dat.test_full` (all of them).
    public static func testSets(of dataset: HGBDataset) -> [(name: String, labels: NodeLabels)] {
        var sets: [(name: String, labels: NodeLabels)] = []
        if let test = dataset.testLabels { sets.append(("label.dat.test", test)) }
        if let full = dataset.testFullLabels { sets.append(("label.dat.test_full", full)) }
        return sets
    }
}
