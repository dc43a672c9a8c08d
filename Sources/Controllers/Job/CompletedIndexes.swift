/// The set of finished indexes of an Indexed job, in the compressed text form of
/// `status.completedIndexes` (`"1,3-5,7"`).
public struct CompletedIndexes: Sendable, Hashable {
    /// The indexes, ascending.
    public private(set) var indexes: Set<Int>

    /// Creates a set.
    public init(_ indexes: Set<Int> = []) { self.indexes = indexes }

    /// Parses `"1,3-5"`; malformed parts and indexes outside `0..<completions` are dropped, as
    /// the controller must keep working on a status someone else wrote.
    public init(parsing text: String?, completions: Int) {
        var indexes: Set<Int> = []
        for part in (text ?? "").split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            if bounds.count == 1, let value = Int(bounds[0]), value >= 0, value < completions {
                indexes.insert(value)
            } else if bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high, low >= 0 {
                for value in low...min(high, completions - 1) { indexes.insert(value) }
            }
        }
        self.indexes = indexes
    }

    /// Adds an index.
    public mutating func insert(_ index: Int) { indexes.insert(index) }

    /// The text form: ascending, each run of consecutive indexes written `a-b`.
    public var text: String {
        let sorted = indexes.sorted()
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count, sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(j == i ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }
}
