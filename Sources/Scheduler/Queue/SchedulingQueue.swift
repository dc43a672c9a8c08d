import KubeAPI

/// The pending pods: an active heap (higher priority first, then older), a backoff heap for pods
/// that recently failed, and a parking area for unschedulable pods until a cluster event or a
/// timeout makes a retry worthwhile.
///
/// A pure value: time is passed in as a `Duration` since an arbitrary origin, so tests drive it
/// with a fake clock.
public struct SchedulingQueue: Sendable {
    /// A queued pod with its attempt bookkeeping.
    public struct Entry: Sendable {
        /// The pod as last seen.
        public var pod: CoreV1.Pod
        /// `namespace/name`.
        public var key: String
        /// The priority used for ordering.
        public var priority: Int
        /// Scheduling attempts so far.
        public var attempts: Int
        /// When the pod first entered the queue.
        public var firstSeen: Duration
        /// When the last attempt failed.
        public var lastFailure: Duration
        /// Creation time of the pod, seconds since the epoch.
        var created: Int64
        /// Sequence number for stable ordering.
        var sequence: UInt64
        /// The cycle in which the pod was popped.
        var cycle: UInt64 = 0
    }

    /// Backoff after the first failure.
    public var initialBackoff: Duration
    /// Upper bound of the doubling backoff.
    public var maxBackoff: Duration
    /// How long an unschedulable pod waits at most before it is retried without an event.
    public var unschedulableTimeout: Duration

    private var active: [Entry] = []
    private var backoff: [Entry] = []
    private var unschedulable: [String: Entry] = [:]
    private var inFlight: [String: Entry] = [:]
    private var queued: Set<String> = []
    private var sequence: UInt64 = 0
    /// Incremented by every pop.
    public private(set) var schedulingCycle: UInt64 = 0
    private var moveRequestCycle: UInt64 = 0
    private var nextTimeoutScan: Duration = .zero

    /// Creates an empty queue (backoff 1s doubling to 10s, unschedulable pods retried after 5 minutes).
    public init(initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(10),
                unschedulableTimeout: Duration = .seconds(300)) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.unschedulableTimeout = unschedulableTimeout
    }

    /// Pods ready to be popped.
    public var activeCount: Int { active.count }
    /// Pods waiting out their backoff.
    public var backoffCount: Int { backoff.count }
    /// Pods parked as unschedulable.
    public var unschedulableCount: Int { unschedulable.count }
    /// Whether the queue holds the pod in any part (or it is being scheduled).
    public func contains(_ key: String) -> Bool { queued.contains(key) }

    private static func key(_ pod: CoreV1.Pod) -> String {
        (pod.metadata.namespace ?? "default") + "/" + (pod.metadata.name ?? "")
    }

    private static func activeBefore(_ a: Entry, _ b: Entry) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        if a.created != b.created { return a.created < b.created }
        return a.sequence < b.sequence
    }

    /// The backoff a pod waits after its `attempts`-th failure: 1s, 2s, 4s, ... capped.
    public func backoffDuration(attempts: Int) -> Duration {
        Self.duration(initialBackoff, maxBackoff, attempts)
    }

    private func backoffExpiry(_ entry: Entry) -> Duration {
        entry.lastFailure + backoffDuration(attempts: entry.attempts)
    }

    /// Adds a new pending pod (or updates it where it is queued). An update of a parked
    /// unschedulable pod moves it back for a retry when `schedulingChanged` (its spec or labels
    /// changed); a status-only update leaves it parked. `priority` defaults to `spec.priority`.
    public mutating func add(_ pod: CoreV1.Pod, priority: Int? = nil, schedulingChanged: Bool = true, now: Duration) {
        let key = Self.key(pod)
        let priority = priority ?? pod.spec?.priority ?? 0
        if queued.insert(key).inserted {
            sequence += 1
            Heap.push(&active, Entry(pod: pod, key: key, priority: priority, attempts: 0, firstSeen: now,
                                     lastFailure: now, created: pod.metadata.creationTimestamp?.secondsSinceEpoch ?? 0, sequence: sequence), by: Self.activeBefore)
            return
        }
        if let index = active.firstIndex(where: { $0.key == key }) {
            active[index].pod = pod
            active[index].priority = priority
            Heap.rebuild(&active, by: Self.activeBefore)
            return
        }
        if let index = backoff.firstIndex(where: { $0.key == key }) {
            backoff[index].pod = pod
            backoff[index].priority = priority
            return
        }
        if var entry = unschedulable[key] {
            entry.pod = pod
            entry.priority = priority
            if schedulingChanged {
                unschedulable[key] = nil
                requeue(entry, now: now)
            } else {
                unschedulable[key] = entry
            }
            return
        }
        if inFlight[key] != nil {
            inFlight[key]?.pod = pod
            inFlight[key]?.priority = priority
        }
    }

    /// Forgets a pod (deleted, or bound by someone else).
    public mutating func remove(_ key: String) {
        guard queued.remove(key) != nil else { return }
        unschedulable[key] = nil
        inFlight[key] = nil
        if let index = active.firstIndex(where: { $0.key == key }) {
            active.remove(at: index)
            Heap.rebuild(&active, by: Self.activeBefore)
        }
        if let index = backoff.firstIndex(where: { $0.key == key }) {
            backoff.remove(at: index)
            Heap.rebuild(&backoff, by: backoffBefore)
        }
    }

    private var backoffBefore: (Entry, Entry) -> Bool {
        let initial = initialBackoff, maximum = maxBackoff
        return { a, b in
            let ea = a.lastFailure + Self.duration(initial, maximum, a.attempts)
            let eb = b.lastFailure + Self.duration(initial, maximum, b.attempts)
            return ea != eb ? ea < eb : a.sequence < b.sequence
        }
    }

    private static func duration(_ initial: Duration, _ maximum: Duration, _ attempts: Int) -> Duration {
        var duration = initial
        var remaining = attempts - 1
        while remaining > 0 && duration < maximum {
            duration = duration * 2
            remaining -= 1
        }
        return min(duration, maximum)
    }

    /// Moves pods whose backoff has ended to the active heap, and unschedulable pods parked for
    /// longer than the timeout to backoff or active.
    public mutating func flush(now: Duration) {
        let before = backoffBefore
        while let first = backoff.first, backoffExpiry(first) <= now {
            let entry = Heap.pop(&backoff, by: before)!
            Heap.push(&active, entry, by: Self.activeBefore)
        }
        // Parked pods are scanned for the timeout at most once a second.
        guard !unschedulable.isEmpty, now >= nextTimeoutScan else { return }
        nextTimeoutScan = now + .seconds(1)
        let expired = unschedulable.values.filter { now - $0.lastFailure >= unschedulableTimeout }
        for entry in expired {
            unschedulable[entry.key] = nil
            requeue(entry, now: now)
        }
    }

    /// Takes the next pod to schedule (after flushing), or `nil` when none is ready.
    public mutating func pop(now: Duration) -> Entry? {
        flush(now: now)
        guard var entry = Heap.pop(&active, by: Self.activeBefore) else { return nil }
        schedulingCycle += 1
        entry.attempts += 1
        entry.cycle = schedulingCycle
        inFlight[entry.key] = entry
        return entry
    }

    /// Marks a popped pod as done (bound or dropped).
    public mutating func done(_ key: String) {
        if inFlight.removeValue(forKey: key) != nil { queued.remove(key) }
    }

    /// Returns a popped pod that did not fit. If a cluster event arrived while it was being
    /// scheduled, it goes to backoff (the event may have made room); otherwise it is parked.
    public mutating func addUnschedulable(_ key: String, now: Duration) {
        guard var entry = inFlight.removeValue(forKey: key) else { return }
        entry.lastFailure = now
        if moveRequestCycle >= entry.cycle {
            Heap.push(&backoff, entry, by: backoffBefore)
        } else {
            unschedulable[key] = entry
        }
    }

    /// Returns a popped pod after an error (binding failed, API error): it retries after backoff.
    public mutating func addBackoff(_ key: String, now: Duration) {
        guard var entry = inFlight.removeValue(forKey: key) else { return }
        entry.lastFailure = now
        Heap.push(&backoff, entry, by: backoffBefore)
    }

    /// A cluster event (node added or changed, pod deleted) may make parked pods schedulable:
    /// moves them all to backoff (still backing off) or active.
    public mutating func moveAllToActiveOrBackoff(now: Duration) {
        moveRequestCycle = schedulingCycle
        let parked = unschedulable.values
        unschedulable.removeAll()
        for entry in parked { requeue(entry, now: now) }
    }

    private mutating func requeue(_ entry: Entry, now: Duration) {
        if backoffExpiry(entry) > now {
            Heap.push(&backoff, entry, by: backoffBefore)
        } else {
            Heap.push(&active, entry, by: Self.activeBefore)
        }
    }

    /// When the queue next needs a flush: the earliest backoff expiry or unschedulable timeout.
    public func nextWakeup() -> Duration? {
        var earliest = backoff.first.map(backoffExpiry)
        for entry in unschedulable.values {
            let deadline = entry.lastFailure + unschedulableTimeout
            if earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
        return earliest
    }
}

/// Binary heap helpers over arrays.
enum Heap {
    static func push<T>(_ heap: inout [T], _ element: T, by before: (T, T) -> Bool) {
        heap.append(element)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if !before(heap[child], heap[parent]) { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    static func pop<T>(_ heap: inout [T], by before: (T, T) -> Bool) -> T? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        siftDown(&heap, from: 0, by: before)
        return top
    }

    static func siftDown<T>(_ heap: inout [T], from start: Int, by before: (T, T) -> Bool) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var first = parent
            if left < heap.count && before(heap[left], heap[first]) { first = left }
            if right < heap.count && before(heap[right], heap[first]) { first = right }
            if first == parent { return }
            heap.swapAt(parent, first)
            parent = first
        }
    }

    static func rebuild<T>(_ heap: inout [T], by before: (T, T) -> Bool) {
        guard heap.count > 1 else { return }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(&heap, from: index, by: before) }
    }
}
