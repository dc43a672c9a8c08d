import NIOCore

/// How a watcher wants object events encoded. Watchers with the same encoding share each
/// event's bytes: the cache encodes an event once per (event type, encoding), not per watcher.
public enum WatchEncoding: Hashable, Sendable {
    /// `{"type":"ADDED","object":<the object>}` lines (JSON).
    case object
    /// The same lines with the object in its `PartialObjectMetadata` form of `meta.k8s.io/<version>`.
    case metadata(version: String)

    /// The watch line of `object` as `type` (`ADDED`, `MODIFIED`, `DELETED`).
    func line(type: String, object: CachedObject) -> ByteBuffer {
        let bytes: [UInt8]
        switch self {
        case .object: bytes = object.bytes
        case .metadata(let version): bytes = PartialObjectMetadata.object(object.value, version: version).serialized()
        }
        return ByteBuffer(bytes: ResponseEncoding.watchLine(type: type, object: bytes))
    }
}

/// Where the watch cache delivers one watch's events.
///
/// ``receive(_:line:)`` is called with the cache's lock held: it must not block nor call back
/// into the cache. ``finish()`` is called without the lock.
protocol CacheWatchSink: AnyObject, Sendable {
    /// One event in order. For object events of a sink registered with an encoding, `line` is
    /// the event's encoded line (shared with every other watcher of that encoding). Returns
    /// `false` when the sink takes no more: the cache then drops the watch and calls ``finish()``.
    func receive(_ event: CacheWatchEvent, line: ByteBuffer?) -> Bool
    /// The watch ended: cancelled, refused an event, expired, or the cache stopped.
    func finish()
}

/// The lines of one change, encoded on first use per (event type, encoding) and then shared.
struct SharedLines {
    private var lines: [(type: String, encoding: WatchEncoding, line: ByteBuffer)] = []

    /// The object event `event`'s line in `encoding`; `nil` for bookmarks and errors.
    mutating func line(for event: CacheWatchEvent, encoding: WatchEncoding) -> ByteBuffer? {
        let type: String
        let object: CachedObject
        switch event {
        case .added(let o): (type, object) = ("ADDED", o)
        case .modified(let o): (type, object) = ("MODIFIED", o)
        case .deleted(let o): (type, object) = ("DELETED", o)
        case .bookmark, .error: return nil
        }
        for entry in lines where entry.type == type && entry.encoding == encoding {
            return entry.line
        }
        let line = encoding.line(type: type, object: object)
        lines.append((type, encoding, line))
        return line
    }
}

/// A sink feeding an `AsyncStream` of events (the cache's stream form of a watch).
final class CacheEventStream: CacheWatchSink {
    let continuation: AsyncStream<CacheWatchEvent>.Continuation

    init(_ continuation: AsyncStream<CacheWatchEvent>.Continuation) {
        self.continuation = continuation
    }

    func receive(_ event: CacheWatchEvent, line: ByteBuffer?) -> Bool {
        if case .terminated = continuation.yield(event) { return false }
        return true
    }

    func finish() {
        continuation.finish()
    }
}
