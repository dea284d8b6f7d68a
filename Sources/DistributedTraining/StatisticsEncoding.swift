import MessagePassing

extension RankEpochStatistics {
    /// The statistics as 18 numbers (for gathering over ranks); byte counts are exact below 2⁵³.
    public var encoded: [Double] {
        [Double(rank), Double(epoch), Double(bytesSent), Double(bytesReceived), Double(collectiveBytes),
         Double(evaluationBytesSent), computeSeconds, waitSeconds, bubbleSeconds, trainSeconds, evaluationSeconds,
         peakResidentMiB, Double(pipelineBytesSent), Double(haloBytesSent), Double(analyticBytesSent),
         Double(stateBytes.graphOperator), Double(stateBytes.features), Double(stateBytes.tables)]
    }

    /// Statistics from ``encoded``.
    /// - Precondition: `values` has 18 entries.
    public init(encoded values: [Double]) {
        precondition(values.count == 18, "RankEpochStatistics: expected 18 encoded values, got \(values.count)")
        self.init(rank: Int(values[0]), epoch: Int(values[1]))
        bytesSent = Int64(values[2])
        bytesReceived = Int64(values[3])
        collectiveBytes = Int64(values[4])
        evaluationBytesSent = Int64(values[5])
        computeSeconds = values[6]
        waitSeconds = values[7]
        bubbleSeconds = values[8]
        trainSeconds = values[9]
        evaluationSeconds = values[10]
        peakResidentMiB = values[11]
        pipelineBytesSent = Int64(values[12])
        haloBytesSent = Int64(values[13])
        analyticBytesSent = Int64(values[14])
        stateBytes = RankStateBytes(graphOperator: Int64(values[15]), features: Int64(values[16]), tables: Int64(values[17]))
    }

    /// Every rank's statistics at `root`, in rank order (`nil` on the other ranks). Collective.
    /// - Throws: ``/MessagePassing/CommunicationError``.
    public static func gather(_ statistics: RankEpochStatistics, communicator: any Communicating,
                              root: Int = 0) throws(CommunicationError) -> [RankEpochStatistics]? {
        try communicator.gather(statistics.encoded, root: root)?.map { RankEpochStatistics(encoded: $0) }
    }
}
