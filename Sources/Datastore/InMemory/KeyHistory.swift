/// Every retained version of one key in an ``InMemoryDatastore``, oldest first.
///
/// A reference type so the key index, the revision log and the key table share one copy; it is
/// only ever touched inside the store's lock.
final class KeyHistory {
    /// One version: a value, or a deletion marker when `value` is `nil`.
    struct Version {
        var modRevision: Int64
        var createRevision: Int64
        var value: [UInt8]?
    }

    /// Version storage at or below this size is kept when compaction shrinks the history.
    static let minimumVersionCapacity = 4

    let key: String
    var versions: [Version] = []
    /// Set once compaction dropped every version; the key index skips it until it is rebuilt.
    var isRemoved = false

    init(key: String) {
        self.key = key
    }

    /// The newest version, if it is a live value.
    var latestLive: KeyValue? {
        guard let last = versions.last, let value = last.value else { return nil }
        return KeyValue(key: key, value: value, createRevision: last.createRevision, modRevision: last.modRevision)
    }

    /// The index of the newest version at or below `revision`.
    func visibleIndex(at revision: Int64) -> Int? {
        // Most reads are of the latest state: check the end first.
        guard let last = versions.last else { return nil }
        if last.modRevision <= revision { return versions.count - 1 }
        var low = 0
        var high = versions.count  // first index with modRevision > revision
        while low < high {
            let mid = (low + high) / 2
            if versions[mid].modRevision <= revision { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : low - 1
    }

    /// The key's value as of `revision`, or `nil` if it did not exist then.
    func keyValue(at revision: Int64) -> KeyValue? {
        guard let index = visibleIndex(at: revision) else { return nil }
        return keyValue(index: index)
    }

    /// Whether the key holds a value as of `revision`.
    func isLive(at revision: Int64) -> Bool {
        guard let index = visibleIndex(at: revision) else { return false }
        return versions[index].value != nil
    }

    func keyValue(index: Int) -> KeyValue? {
        let version = versions[index]
        guard let value = version.value else { return nil }
        return KeyValue(key: key, value: value, createRevision: version.createRevision, modRevision: version.modRevision)
    }

    /// The change made at exactly `revision`, with the previous value.
    func event(at revision: Int64) -> WatchEvent? {
        guard let index = visibleIndex(at: revision), versions[index].modRevision == revision else { return nil }
        return event(index: index)
    }

    func event(index: Int) -> WatchEvent {
        let version = versions[index]
        let previous = index > 0 ? keyValue(index: index - 1) : nil
        guard let current = keyValue(index: index) else {
            return WatchEvent(kind: .deleted, key: key, revision: version.modRevision, current: nil, previous: previous)
        }
        return WatchEvent(
            kind: previous == nil ? .created : .updated,
            key: key,
            revision: version.modRevision,
            current: current,
            previous: previous
        )
    }

    /// Drops the versions no read at `revision` or later can see: everything older than the
    /// version visible at `revision`, and that version too if it is a deletion.
    /// Returns `true` when nothing is left.
    func compact(through revision: Int64) -> Bool {
        guard let index = visibleIndex(at: revision) else { return versions.isEmpty }
        let obsolete = versions[index].value == nil ? index + 1 : index
        // Give back storage a burst of writes made the array grow to.
        versions.removeFirstReleasingCapacity(obsolete, minimumCapacity: Self.minimumVersionCapacity)
        return versions.isEmpty
    }
}

/// A key compared and hashed by its UTF-8 bytes (Swift's `String` equality would merge
/// canonically equivalent but different byte sequences).
struct ByteKey: Hashable {
    let string: String

    static func == (lhs: ByteKey, rhs: ByteKey) -> Bool {
        ByteOrder.equal(lhs.string, rhs.string)
    }

    func hash(into hasher: inout Hasher) {
        var copy = string
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
