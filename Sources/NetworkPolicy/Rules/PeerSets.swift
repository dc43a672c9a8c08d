import KubeAPI

/// The named address sets of one rendering: one per distinct group of addresses or networks, so
/// a peer group several rules or pods share is written once.
struct PeerSets {
    struct PeerSet {
        var family: IPAddress.Family
        var elements: [String]
    }

    private var names: [String: String] = [:]
    /// The sets by name.
    private(set) var byName: [String: PeerSet] = [:]

    /// The name of the set holding `elements` (addresses or networks of `family`), made on first use.
    mutating func name(family: IPAddress.Family, elements: [String]) -> String {
        let key = "\(family.rawValue) \(elements.joined(separator: ","))"
        if let name = names[key] { return name }
        let name = "peers-\(names.count + 1)"
        names[key] = name
        byName[name] = PeerSet(family: family, elements: elements)
        return name
    }
}
