/// The most recent events of one resource, oldest first: at most `capacity` of them, kept in
/// a ring so that a full window drops exactly its oldest event for each new one (rather than
/// growing to twice its size before trimming in bulk).
struct EventWindow<Element: Sendable>: Sendable, Sequence {
    /// The most events kept.
    let capacity: Int
    private var slots: [Element] = []
    /// The index of the oldest event once the ring is full (0 until then).
    private var head = 0

    /// An empty window of at most `capacity` (at least 1) events.
    init(capacity: Int) {
        self.capacity = Swift.max(1, capacity)
    }

    /// How many events are kept.
    var count: Int { slots.count }

    /// The newest event.
    var last: Element? {
        slots.isEmpty ? nil : slots[(head + slots.count - 1) % slots.count]
    }

    /// Adds the newest event; when the window was full, returns the oldest one it dropped.
    mutating func append(_ element: Element) -> Element? {
        guard slots.count == capacity else {
            slots.append(element)
            return nil
        }
        let dropped = slots[head]
        slots[head] = element
        head = (head + 1) % capacity
        return dropped
    }

    /// Drops every event.
    mutating func removeAll() {
        slots = []
        head = 0
    }

    /// Iterates oldest to newest.
    struct Iterator: IteratorProtocol {
        let window: EventWindow
        var offset = 0

        mutating func next() -> Element? {
            guard offset < window.slots.count else { return nil }
            defer { offset += 1 }
            return window.slots[(window.head + offset) % window.slots.count]
        }
    }

    func makeIterator() -> Iterator { Iterator(window: self) }
}
