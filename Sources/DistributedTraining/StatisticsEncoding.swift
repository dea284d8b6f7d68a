import MessagePassing

extension RankEpochStatistics {
    /// The statistics as 15 numbers (for gathering over ranks); byte counts are exact below 2⁵³.
    public var encoded: [Double] {
        [Double(rank), Double(epoch), Double(bytesSent), Double(bytesReceived), Double(collectiveBytes),
         Double(evaluationBytesSent), computeSeconds, waitSeconds, bubbleSeconds, trainSeconds, evaluationSeconds,
         peakResidentMiB, Double(pipelineBytesSent), Double(haloBytesSent), Double(analyticBytesSent)]
    }

    /// Statistics from ``encoded``.
    /// - Precondition: `values` has 15 entries.
    public init(encoded values: [Double]) {
        precondition(values.count == 15, "RankEpochStatistics: expected 15 encoded values, got \(values.count)")
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
    }

    /// Every rank's statistics at `root`, in rank order (`nil` on the other ranks). Collective.
    /// - Throws: ``MessagePassing/CommunicationError``.
    public static func gather(_ statistics: RankEpochStatistics, communicator: any Communicating,
                              root: Int = 0) throws(CommunicationError) -> [RankEpochStatistics]? {
        try communicator.gather(statistics.encoded, root: root)?.map { RankEpochStatistics(encoded: $0) }
    }
}
