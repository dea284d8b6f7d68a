/// Model selection and early stopping, shared by ``NodeClassificationTrainer`` and the parallel
/// trainers of `gnnpipe`: the best epoch is the first with a strictly better
/// validation accuracy (or lower validation loss); training stops after `patience` epochs
/// without improvement. Evaluations are global, so every rank keeps the same state.
public struct ModelSelectionTracker: Sendable, Equatable {
    /// Which validation number selects.
    public let selection: ModelSelection
    /// The selected epoch (0 = none yet).
    public private(set) var bestEpoch = 0
    /// Evaluation at the selected epoch.
    public private(set) var best = Evaluation(trainAccuracy: 0, validationAccuracy: 0, validationLoss: .infinity, testAccuracy: 0)
    /// Epochs since the selected epoch.
    public private(set) var epochsWithoutImprovement = 0

    /// A tracker with no epoch yet.
    public init(selection: ModelSelection) { self.selection = selection }

    /// Records `evaluation` of `epoch`; returns whether it is the new best.
    public mutating func update(epoch: Int, evaluation: Evaluation) -> Bool {
        let improved: Bool
        switch selection {
        case .validationAccuracy: improved = bestEpoch == 0 || evaluation.validationAccuracy > best.validationAccuracy
        case .validationLoss: improved = bestEpoch == 0 || evaluation.validationLoss < best.validationLoss
        }
        if improved {
            bestEpoch = epoch
            best = evaluation
            epochsWithoutImprovement = 0
        } else {
            epochsWithoutImprovement += 1
        }
        return improved
    }

    /// Whether `patience` epochs passed without improvement.
    public func exhausted(patience: Int?) -> Bool {
        guard let patience else { return false }
        return epochsWithoutImprovement >= patience
    }

    /// The state as checkpoint metadata.
    public var metadata: [String: String] {
        ["best_epoch": String(bestEpoch), "best_train_accuracy": best.trainAccuracy.description,
         "best_val_accuracy": best.validationAccuracy.description, "best_val_loss": best.validationLoss.description,
         "best_test_accuracy": best.testAccuracy.description, "epochs_without_improvement": String(epochsWithoutImprovement),
         "selection": selection.rawValue]
    }

    /// Why ``restore(from:)`` refused a checkpoint's metadata.
    public struct RestoreError: Error, Equatable, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Restores ``metadata``; leaves the tracker unchanged when it throws.
    /// - Throws: ``RestoreError`` when a field is missing or the selection rule differs.
    public mutating func restore(from m: [String: String]) throws(RestoreError) {
        guard m["selection"] == selection.rawValue else {
            throw RestoreError(message: "selection was \(m["selection"] ?? "missing"), this run uses \(selection.rawValue)")
        }
        guard let be = m["best_epoch"].flatMap(Int.init), let bad = m["epochs_without_improvement"].flatMap(Int.init),
              let trainAcc = m["best_train_accuracy"].flatMap(Double.init), let valAcc = m["best_val_accuracy"].flatMap(Double.init),
              let valLoss = m["best_val_loss"].flatMap(Double.init), let testAcc = m["best_test_accuracy"].flatMap(Double.init) else {
            throw RestoreError(message: "missing model-selection state")
        }
        bestEpoch = be
        epochsWithoutImprovement = bad
        best = Evaluation(trainAccuracy: trainAcc, validationAccuracy: valAcc, validationLoss: valLoss, testAccuracy: testAcc)
    }
}
