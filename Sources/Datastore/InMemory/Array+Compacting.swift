extension Array {
    /// Removes the first `count` elements and, when what is left uses under a quarter of the
    /// storage, moves it into a buffer sized to fit. `removeFirst` alone keeps the capacity of
    /// the largest size ever reached, so arrays that grow during bursts would never give memory
    /// back; shrinking only below a quarter keeps the cost amortised against earlier growth.
    ///
    /// - Parameters:
    ///   - count: How many leading elements to drop (`0...self.count`).
    ///   - minimumCapacity: Storage at or below this many elements is never reallocated.
    mutating func removeFirstReleasingCapacity(_ count: Int, minimumCapacity: Int) {
        let remaining = self.count - count
        if capacity > minimumCapacity, capacity / 4 >= Swift.max(remaining, 1) {
            var kept: [Element] = []
            kept.reserveCapacity(remaining)
            kept.append(contentsOf: self[count...])
            self = kept
        } else if count > 0 {
            removeFirst(count)
        }
    }
}
