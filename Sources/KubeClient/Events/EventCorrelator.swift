import KubeAPI

/// Decides what an ``EventRecorder`` writes for each event, with the rules of upstream's
/// `core/v1` event correlation (client-go's recorder), so that a burst about one object costs a
/// bounded number of API writes:
///
/// - **Repeats**: an event equal to one already written (same object, type, reason and message)
///   raises that Event's `count` instead of creating another one.
/// - **Similar events**: once ``maxSimilarMessages`` different messages with the same object,
///   type and reason were seen within ``similarWindow``, further ones go into one Event whose
///   message is prefixed with `(combined from similar events): ` (and whose `count` rises).
/// - **Spam filter**: every object (with the event type) has a token bucket of ``burst`` writes,
///   refilled by one every ``refillSeconds``; an event that finds the bucket empty is dropped.
///
/// Pure and synchronous: time is passed in. Caches are bounded (``capacity`` entries each; the
/// whole cache is cleared when one is full, as a cheap stand-in for upstream's LRU).
struct EventCorrelator {
    /// The object an event is about, as its reference names it.
    struct ObjectKey: Hashable {
        var uid: String
        var kind: String
        var apiVersion: String
        var namespace: String
        var name: String
    }

    /// The events that count as similar: same object, type and reason (whatever the part of the
    /// object, `fieldPath`, and the message).
    struct SimilarKey: Hashable {
        var object: ObjectKey
        var type: String
        var reason: String
    }

    /// One written Event: the exact event (with its `fieldPath` and message), or
    /// (`message == nil`) the combined one of a similar key.
    struct EventKey: Hashable {
        var similar: SimilarKey
        var fieldPath: String
        var message: String?
    }

    /// An object's spam budget is per event type.
    struct SpamKey: Hashable {
        var object: ObjectKey
        var type: String
    }

    /// An Event already written, so that a repeat patches it.
    struct Written: Equatable {
        var name: String
        var namespace: String
        var count: Int
    }

    /// What to write.
    enum Decision: Equatable {
        /// Create an Event with this message (`key` identifies it for later repeats).
        case create(key: EventKey, message: String)
        /// Raise the count of an existing Event (and set its message, for a combined one).
        case patch(key: EventKey, written: Written, message: String)
        /// Write nothing (the object's spam budget is spent).
        case skip
    }

    struct Similar {
        var messages: Set<String>
        var last: Int64
    }

    struct Bucket {
        var tokens: Double
        var last: Int64
    }

    /// Distinct messages with one object, type and reason before they are combined (upstream: 10).
    var maxSimilarMessages = 10
    /// How long, in seconds, similar messages are remembered after the last one (upstream: 600).
    var similarWindow: Int64 = 600
    /// Writes an object may have at once (upstream: 25).
    var burst = 25
    /// Seconds for one more write to become available (upstream: 300, a rate of 1/300 per second).
    var refillSeconds: Double = 300
    /// Entries each cache keeps.
    var capacity = 4096

    private var similar: [SimilarKey: Similar] = [:]
    private var written: [EventKey: Written] = [:]
    private var buckets: [SpamKey: Bucket] = [:]

    /// The message prefix of a combined Event.
    static let combinedPrefix = "(combined from similar events): "

    /// Decides what to write for an event at `now` (seconds since the epoch). Call
    /// ``recorded(_:as:)`` once a create succeeds.
    mutating func correlate(object: ObjectKey, fieldPath: String, type: String, reason: String, message: String, now: Int64) -> Decision {
        let similarKey = SimilarKey(object: object, type: type, reason: reason)
        var entry = similar[similarKey] ?? Similar(messages: [], last: now)
        if now - entry.last > similarWindow { entry.messages.removeAll() }
        entry.messages.insert(message)
        entry.last = now
        let combined = entry.messages.count >= maxSimilarMessages
        if combined { entry.messages.remove(message) }
        if similar.count >= capacity && similar[similarKey] == nil { similar.removeAll() }
        similar[similarKey] = entry

        guard take(object, type: type, now: now) else { return .skip }
        let key = EventKey(similar: similarKey, fieldPath: combined ? "" : fieldPath, message: combined ? nil : message)
        let text = combined ? Self.combinedPrefix + message : message
        if let previous = written[key] { return .patch(key: key, written: previous, message: text) }
        return .create(key: key, message: text)
    }

    /// Records that the Event for `key` was written (created or patched) with this name and count.
    mutating func recorded(_ key: EventKey, as event: Written) {
        if written.count >= capacity && written[key] == nil { written.removeAll() }
        written[key] = event
    }

    /// Forgets the Event for `key` (its patch failed: the next repeat creates a new one).
    mutating func forget(_ key: EventKey) {
        written[key] = nil
    }

    /// Takes one write from the object's bucket; `false` when it is empty.
    private mutating func take(_ object: ObjectKey, type: String, now: Int64) -> Bool {
        let key = SpamKey(object: object, type: type)
        var bucket = buckets[key] ?? Bucket(tokens: Double(burst), last: now)
        bucket.tokens = min(Double(burst), bucket.tokens + Double(max(0, now - bucket.last)) / refillSeconds)
        bucket.last = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        if buckets.count >= capacity && buckets[key] == nil { buckets.removeAll() }
        buckets[key] = bucket
        return allowed
    }
}
