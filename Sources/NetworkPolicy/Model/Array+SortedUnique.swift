extension Array where Element: Comparable {
    /// The elements sorted, each once. Sorting first keeps equal neighbours together, so only
    /// neighbours are compared (cheaper than hashing large elements such as address lists).
    func sortedUnique() -> [Element] {
        var result: [Element] = []
        result.reserveCapacity(count)
        for element in sorted() where result.last != element { result.append(element) }
        return result
    }
}
