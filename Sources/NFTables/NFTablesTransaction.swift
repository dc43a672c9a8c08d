/// The commands of one `nft -f` transaction on one table, built from differences between
/// ``NFTablesObjects`` values and ordered so the kernel accepts them in one batch: elements that
/// go are deleted first, then sets and chains are added or flushed, rules written and elements
/// added, and chains and sets that go are flushed and deleted last (so nothing still refers to
/// them).
public struct NFTablesTransaction: Sendable {
    /// The table the commands act on.
    public let table: NFTablesTable
    private var prelude: [String] = []
    private var deletedElements: [String: [String]] = [:]
    private var addedSets: [String] = []
    private var chainHeads: [String] = []
    private var rules: [String] = []
    private var addedElements: [String: [String]] = [:]
    private var removedChains: [String] = []
    private var removedSets: [String] = []

    /// An empty transaction on `table`.
    public init(table: NFTablesTable) {
        self.table = table
    }

    /// Starts from nothing: the table is created when missing, deleted with everything in it, and
    /// created again, all inside this transaction (so nothing is ever half there).
    public mutating func recreateTable() {
        prelude = ["add table \(table)", "delete table \(table)", "add table \(table)"]
    }

    /// Whether the transaction has no command.
    public var isEmpty: Bool {
        prelude.isEmpty && deletedElements.isEmpty && addedSets.isEmpty && chainHeads.isEmpty && rules.isEmpty
            && addedElements.isEmpty && removedChains.isEmpty && removedSets.isEmpty
    }

    /// Adds the commands that turn the chains and sets of `old` into those of `new` (elements are
    /// left to ``changeElement(_:from:to:)`` or ``changeElements(from:to:)``).
    public mutating func changeChainsAndSets(from old: NFTablesObjects, to new: NFTablesObjects) {
        for (name, declaration) in new.sets.sorted(by: { $0.key < $1.key }) where old.sets[name] != declaration {
            if old.sets[name] != nil { removedSets.append(name) }
            addedSets.append("add \(declaration.contains(" : ") ? "map" : "set") \(table) \(name) { \(declaration) }")
        }
        for name in old.sets.keys.sorted() where new.sets[name] == nil { removedSets.append(name) }
        for (name, chain) in new.chains.sorted(by: { $0.key < $1.key }) {
            let previous = old.chains[name]
            guard previous != chain else { continue }
            if previous == nil {
                chainHeads.append(chain.declaration.map { "add chain \(table) \(name) { \($0) }" } ?? "add chain \(table) \(name)")
            } else {
                chainHeads.append("flush chain \(table) \(name)")
            }
            for rule in chain.rules { rules.append("add rule \(table) \(name) \(rule)") }
        }
        for name in old.chains.keys.sorted() where new.chains[name] == nil { removedChains.append(name) }
    }

    /// Adds the commands that turn the elements of `old` into those of `new`.
    public mutating func changeElements(from old: NFTablesObjects, to new: NFTablesObjects) {
        for (key, value) in old.elements where new.elements[key] != value {
            changeElement(key, from: value, to: new.elements[key])
        }
        for (key, value) in new.elements where old.elements[key] == nil {
            changeElement(key, from: nil, to: value)
        }
    }

    /// Adds the commands that change one element from `old` (absent when `nil`) to `new`.
    public mutating func changeElement(_ key: NFTablesObjects.ElementKey, from old: String?, to new: String?) {
        guard old != new else { return }
        if old != nil { deletedElements[key.set, default: []].append(key.key) }
        if let new { addedElements[key.set, default: []].append(new.isEmpty ? key.key : "\(key.key) : \(new)") }
    }

    /// The script, one command a line.
    public var script: String {
        var lines = prelude
        func elements(_ verb: String, _ bySet: [String: [String]]) {
            for (set, items) in bySet.sorted(by: { $0.key < $1.key }) {
                lines.append("\(verb) element \(table) \(set) { \(items.sorted().joined(separator: ", ")) }")
            }
        }
        elements("delete", deletedElements)
        lines += addedSets
        lines += chainHeads
        lines += rules
        elements("add", addedElements)
        lines += removedChains.map { "flush chain \(table) \($0)" }
        lines += removedChains.map { "delete chain \(table) \($0)" }
        lines += removedSets.map { "delete set \(table) \($0)" }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
