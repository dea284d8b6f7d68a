extension CSRGraph {
    /// Connected components of the undirected graph underlying A (edge directions ignored).
    ///
    /// - Returns: the component id of every node, `[numNodes]`, numbered in order of each
    ///   component's smallest node, and the number of components. Isolated nodes are components
    ///   of size 1.
    /// - Complexity: O(numNodes + nnz · α(numNodes)) (union–find with path halving).
    public func connectedComponents() -> (component: [Int32], count: Int) {
        let n = numNodes
        var parent = (0..<n).map { Int32($0) }
        func find(_ x: Int32) -> Int32 {
            var x = x
            while parent[Int(x)] != x {
                parent[Int(x)] = parent[Int(parent[Int(x)])]
                x = parent[Int(x)]
            }
            return x
        }
        for u in 0..<n {
            for v in neighbors(of: u) {
                let a = find(Int32(u)), b = find(v)
                if a != b { parent[Int(max(a, b))] = min(a, b) }
            }
        }
        var component = [Int32](repeating: -1, count: n)
        var idOfRoot = [Int32](repeating: -1, count: n)
        var count = 0
        for u in 0..<n {
            let r = Int(find(Int32(u)))
            if idOfRoot[r] < 0 {
                idOfRoot[r] = Int32(count)
                count += 1
            }
            component[u] = idOfRoot[r]
        }
        return (component, count)
    }
}
