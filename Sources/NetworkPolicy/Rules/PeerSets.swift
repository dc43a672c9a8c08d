import KubeAPI

/// The named address sets of one rendering: one per distinct group of addresses or networks, so
/// a peer group several rules or pods share is written once.
struct PeerSets {
    /// What a set holds: pod addresses, or networks (of one family each).
    enum Content: Hashable {
        case addresses([IPAddress])
        case networks([IPPrefix])
    }

    /// A set's family and elements as nft writes them.
    struct PeerSet {
        var family: IPAddress.Family
        var elements: [String]
    }

    private var names: [Content: String] = [:]
    /// The sets by name.
    private(set) var byName: [String: PeerSet] = [:]

    /// The name of the set holding `content` (all of `family`), made on first use.
    mutating func name(family: IPAddress.Family, _ content: Content) -> String {
        if let name = names[content] { return name }
        let name = "peers-\(names.count + 1)"
        names[content] = name
        let elements: [String]
        switch content {
        case .addresses(let addresses): elements = addresses.map(\.description)
        case .networks(let prefixes): elements = prefixes.map(\.description)
        }
        byName[name] = PeerSet(family: family, elements: elements)
        return name
    }
}
