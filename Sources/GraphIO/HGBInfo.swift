import Foundation

/// The names an HGB `info.dat` gives to node types, link types and classes.
///
/// `info.dat` is JSON; its counts are known to be wrong in places, so only names are taken from
/// it, and a missing, malformed or surprising file simply yields no names.
struct HGBInfo {
    /// Node type id → name (`"paper"`).
    var nodeTypeNames: [Int: String] = [:]
    /// Link type id → meaning (`"paper-author"`).
    var linkMeanings: [Int: String] = [:]
    /// Node type id → class id → class name.
    var classNames: [Int: [Int: String]] = [:]
    /// Link type id → the node types it joins, as `info.dat` states them.
    var linkEnds: [Int: (start: Int, end: Int)] = [:]
    /// Whether the text was a JSON object (a file that is not yields no names at all).
    var isReadable = false

    init() {}

    /// Names found in the JSON text `bytes`; never fails.
    init(json bytes: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
              let root = object as? [String: Any] else { return }
        isReadable = true
        if let nodes = root["node.dat"] as? [String: Any], let types = nodes["node type"] as? [String: Any] {
            for (key, value) in types {
                if let id = Int(key), let name = value as? String { nodeTypeNames[id] = name }
            }
        }
        if let links = root["link.dat"] as? [String: Any], let types = links["link type"] as? [String: Any] {
            for (key, value) in types {
                guard let id = Int(key), let fields = value as? [String: Any] else { continue }
                if let meaning = fields["meaning"] as? String { linkMeanings[id] = meaning }
                if let start = fields["start"] as? Int, let end = fields["end"] as? Int { linkEnds[id] = (start, end) }
            }
        }
        if let labels = root["label.dat"] as? [String: Any], let types = labels["node type"] as? [String: Any] {
            for (key, value) in types {
                guard let type = Int(key), let classes = value as? [String: Any] else { continue }
                var names: [Int: String] = [:]
                for (classKey, name) in classes {
                    if let c = Int(classKey), let name = name as? String { names[c] = name }
                }
                classNames[type] = names
            }
        }
    }

    /// `names` when every id has a distinct non-empty name, else `nil`.
    static func uniqueNames(_ ids: [Int], _ names: [Int: String]) -> [String]? {
        let chosen = ids.compactMap { names[$0] }
        guard chosen.count == ids.count, !chosen.contains(""), Set(chosen).count == chosen.count else { return nil }
        return chosen
    }
}
