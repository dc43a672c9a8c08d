/// The content of (part of) an nftables table as values: chains with their rules, sets and maps
/// with their declarations, and set/map elements. ``NFTablesTransaction`` turns the difference
/// between two of them into commands, so a caller describes what it wants and never tracks
/// which commands got it there.
public struct NFTablesObjects: Sendable, Hashable {
    /// A chain: an optional base-chain declaration and its rules, in order.
    public struct Chain: Sendable, Hashable {
        /// `type nat hook prerouting priority dstnat; policy accept;` for a base chain; `nil`
        /// for a regular chain.
        public var declaration: String?
        /// The rules, in order, without the `add rule TABLE CHAIN` prefix.
        public var rules: [String]

        /// Creates a chain.
        public init(declaration: String? = nil, rules: [String] = []) {
            self.declaration = declaration
            self.rules = rules
        }
    }

    /// A set or map element: which set/map it belongs to and its key.
    public struct ElementKey: Sendable, Hashable {
        /// The set or map.
        public var set: String
        /// The key as nft writes it (`10.43.0.10 . tcp . 80`).
        public var key: String

        /// Creates an element key.
        public init(set: String, key: String) {
            self.set = set
            self.key = key
        }
    }

    /// Chains by name.
    public var chains: [String: Chain] = [:]
    /// Set and map declarations by name (`type ipv4_addr; flags dynamic,timeout; timeout 10s;`);
    /// a map's declaration has `: verdict` in its type.
    public var sets: [String: String] = [:]
    /// Element values by key: a map's value (`goto svc-...`), or `""` for a plain set's element.
    public var elements: [ElementKey: String] = [:]

    /// Nothing.
    public init() {}

    /// Whether there are no chains, sets or elements.
    public var isEmpty: Bool { chains.isEmpty && sets.isEmpty && elements.isEmpty }
}
