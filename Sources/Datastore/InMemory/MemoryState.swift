/// The data of an ``InMemoryDatastore``: per-key version histories, a sorted key index, the log
/// of which key changed at each revision, and the revision counters. Only used inside the
/// store's lock; every method is synchronous.
struct MemoryState {
    /// One write: the key changed at `revision`.
    struct LogEntry {
        var revision: Int64
        var history: KeyHistory
    }

    var closed = false
    /// The latest committed revision.
    var revision: Int64 = 0
    /// The oldest readable revision.
    var compacted: Int64 = 0
    /// How many keys hold a value now.
    var liveCount = 0
    var keys: [ByteKey: KeyHistory] = [:]

    /// Key histories sorted by key bytes (some may be marked removed).
    var sorted: [KeyHistory] = []
    /// Histories created since `sorted` was last rebuilt, in no order.
    var unsorted: [KeyHistory] = []
    /// How many entries of `sorted` are marked removed.
    var removedInSorted = 0

    /// `log[i]` is the write at revision `logBase + i`; entries before `logHead` are already compacted.
    var log: [LogEntry] = []
    var logBase: Int64 = 1
    var logHead = 0

    var scheduler: CompactionScheduler

    init(scheduler: CompactionScheduler) {
        self.scheduler = scheduler
    }

    // MARK: - Checks

    func checkOpen() throws(DatastoreError) {
        if closed { throw .closed }
    }

    /// Checks that `requested` is still readable and already written.
    func checkReadable(_ requested: Int64) throws(DatastoreError) {
        if requested < compacted {
            throw .compacted(requested: requested, compactedRevision: compacted)
        }
        if requested > revision {
            throw .futureRevision(requested: requested, currentRevision: revision)
        }
    }

    // MARK: - Writes

    /// Appends a version for `key` at the next revision and returns the change.
    mutating func write(key: String, value: [UInt8]?, history existing: KeyHistory?) -> WatchEvent {
        revision += 1
        let history: KeyHistory
        if let existing {
            history = existing
        } else {
            history = KeyHistory(key: key)
            keys[ByteKey(string: key)] = history
            unsorted.append(history)
        }
        let wasLive = history.latestLive
        let createRevision = wasLive?.createRevision ?? revision
        history.versions.append(KeyHistory.Version(modRevision: revision, createRevision: createRevision, value: value))
        if wasLive == nil, value != nil { liveCount += 1 }
        if wasLive != nil, value == nil { liveCount -= 1 }
        if log.isEmpty { logBase = revision }
        log.append(LogEntry(revision: revision, history: history))
        return history.event(index: history.versions.count - 1)
    }

    func history(for key: String) -> KeyHistory? {
        keys[ByteKey(string: key)]
    }

    // MARK: - Reads

    /// Rebuilds the sorted key index if keys were added or removed since the last rebuild.
    mutating func ensureSorted() {
        guard !unsorted.isEmpty || removedInSorted > 0 else { return }
        var added = unsorted.filter { !$0.isRemoved }
        added.sort { ByteOrder.less($0.key, $1.key) }
        unsorted.removeAll(keepingCapacity: unsorted.capacity <= Self.minimumIndexSlack)
        var merged: [KeyHistory] = []
        merged.reserveCapacity(max(0, sorted.count - removedInSorted) + added.count)
        var i = 0
        var j = 0
        while i < sorted.count || j < added.count {
            if i < sorted.count, sorted[i].isRemoved {
                i += 1
                continue
            }
            if j == added.count || (i < sorted.count && ByteOrder.less(sorted[i].key, added[j].key)) {
                merged.append(sorted[i])
                i += 1
            } else {
                merged.append(added[j])
                j += 1
            }
        }
        sorted = merged
        removedInSorted = 0
    }

    /// The first index in `sorted` whose key is at or after `key` (after it when `strictly`).
    func lowerBound(_ key: String, strictly: Bool) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            let order = ByteOrder.compare(sorted[mid].key, key)
            if order < 0 || (strictly && order == 0) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// One page of keys under `prefix` as of `revision`, starting after `afterKey`.
    mutating func list(prefix: String, revision: Int64, limit: Int, afterKey: String?) -> ListResult {
        ensureSorted()
        var index = afterKey.map { lowerBound($0, strictly: true) } ?? lowerBound(prefix, strictly: false)
        let prefixBytes = Array(prefix.utf8)
        var items: [KeyValue] = []
        var remaining = 0
        while index < sorted.count {
            let history = sorted[index]
            index += 1
            guard ByteOrder.hasPrefix(history.key, bytes: prefixBytes) else { break }
            if items.count < limit {
                if let item = history.keyValue(at: revision) { items.append(item) }
            } else if history.isLive(at: revision) {
                remaining += 1
            }
        }
        guard remaining > 0, let last = items.last else {
            return ListResult(items: items, revision: revision)
        }
        let token = ContinueToken(revision: revision, lastKey: last.key, prefix: prefix)
        return ListResult(items: items, revision: revision, continueToken: token.encoded(), remainingCount: remaining)
    }

    /// How many keys under `prefix` hold a value now.
    mutating func count(prefix: String, storePrefix: String) -> Int {
        if ByteOrder.equal(prefix, storePrefix) { return liveCount }
        // A few new keys are cheaper to scan than to merge into the index.
        if unsorted.count > 256 { ensureSorted() }
        let prefixBytes = Array(prefix.utf8)
        var total = 0
        var index = lowerBound(prefix, strictly: false)
        while index < sorted.count {
            let history = sorted[index]
            index += 1
            guard ByteOrder.hasPrefix(history.key, bytes: prefixBytes) else { break }
            if !history.isRemoved, history.latestLive != nil { total += 1 }
        }
        for history in unsorted where !history.isRemoved && history.latestLive != nil {
            if ByteOrder.hasPrefix(history.key, bytes: prefixBytes) { total += 1 }
        }
        return total
    }

    /// The changes under `prefix` in `(after, through]`, in revision order.
    func history(prefix: String, after: Int64, through: Int64) -> [WatchEvent] {
        guard through > after else { return [] }
        let prefixBytes = Array(prefix.utf8)
        var events: [WatchEvent] = []
        var revision = after + 1
        while revision <= through {
            let position = Int(revision - logBase)
            if position >= logHead, position < log.count {
                let entry = log[position]
                if ByteOrder.hasPrefix(entry.history.key, bytes: prefixBytes), let event = entry.history.event(at: revision) {
                    events.append(event)
                }
            }
            revision += 1
        }
        return events
    }

    // MARK: - Compaction

    /// Raises the compacted revision to `target` (reads below it fail from now on).
    mutating func setCompacted(_ target: Int64) {
        compacted = max(compacted, target)
    }

    /// Whether log entries at or below the compacted revision still wait to be dropped.
    var hasPendingCompaction: Bool {
        logHead < log.count && log[logHead].revision <= compacted
    }

    /// Physically drops up to `batchSize` log entries at or below the compacted revision, with
    /// the versions they made obsolete. Returns `true` when more work remains.
    mutating func compactStep(batchSize: Int) -> Bool {
        var processed = 0
        while logHead < log.count, log[logHead].revision <= compacted, processed < max(1, batchSize) {
            let history = log[logHead].history
            logHead += 1
            processed += 1
            guard !history.isRemoved else { continue }
            if history.compact(through: compacted) {
                history.isRemoved = true
                let key = ByteKey(string: history.key)
                if keys[key] === history { keys[key] = nil }
                // It is in `sorted` unless it is still waiting in `unsorted`.
                removedInSorted += 1
            }
        }
        trimLog()
        if removedInSorted > max(Self.minimumIndexSlack, keys.count) || unsorted.count > max(Self.minimumIndexSlack, keys.count) {
            // Without lists the index would otherwise hold every key ever created.
            ensureSorted()
        }
        return hasPendingCompaction
    }

    /// Storage below this many entries is never reallocated to shrink it.
    static let minimumLogCapacity = 1_024
    /// How many removed or unindexed keys the key index may hold before compaction rebuilds it.
    static let minimumIndexSlack = 1_024

    /// Drops the compacted entries at the head of the log once they are worth moving the rest
    /// for, and gives back storage a burst of writes made the log grow to.
    mutating func trimLog() {
        guard logHead > 0 else { return }
        let retained = log.count - logHead
        let oversized = log.capacity > Self.minimumLogCapacity && log.capacity / 4 >= max(retained, 1)
        guard oversized || ((logHead >= 4_096 || retained == 0) && logHead >= retained) else { return }
        log.removeFirstReleasingCapacity(logHead, minimumCapacity: Self.minimumLogCapacity)
        logBase += Int64(logHead)
        logHead = 0
        if keys.capacity > Self.minimumIndexSlack, keys.capacity / 4 >= keys.count {
            // A dictionary never shrinks on removal; rebuild it after mass deletions.
            keys = Dictionary(uniqueKeysWithValues: keys.lazy.map { ($0.key, $0.value) })
        }
    }
}
