import KubeAPI

/// What happened to an object in a watch.
public enum WatchEventType: String, Sendable, Hashable {
    /// The object was created (or existed when the watch started from "now").
    case added = "ADDED"
    /// The object changed.
    case modified = "MODIFIED"
    /// The object was deleted; the event carries its last state.
    case deleted = "DELETED"
    /// A progress notification: only `metadata.resourceVersion` is meaningful.
    case bookmark = "BOOKMARK"
}

/// One event of a watch.
public struct WatchEvent<Object: Sendable>: Sendable {
    /// What happened.
    public var type: WatchEventType
    /// The object after the change (before deletion, for `deleted`).
    public var object: Object

    /// Creates an event.
    public init(type: WatchEventType, object: Object) {
        self.type = type
        self.object = object
    }
}

/// One page of a list: the objects and the resource version the list was read at.
public struct ObjectList<Object: Sendable>: Sendable {
    /// The objects.
    public var items: [Object]
    /// The collection's resource version at the time of the read (start a watch from it).
    public var resourceVersion: String
    /// The token for the next page, when the server cut the list.
    public var continueToken: String?

    /// Creates a page.
    public init(items: [Object], resourceVersion: String, continueToken: String? = nil) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
    }
}

/// Splits a watch body into newline-delimited JSON frames and decodes each one.
struct WatchFrameSplitter {
    private var buffer: [UInt8] = []

    /// Appends a chunk and returns the complete lines it finished.
    mutating func append(_ chunk: [UInt8]) -> [ArraySlice<UInt8>] {
        buffer += chunk
        var lines: [ArraySlice<UInt8>] = []
        var start = buffer.startIndex
        while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let line = buffer[start..<newline]
            if !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { lines.append(line) }
            start = newline + 1
        }
        if start > buffer.startIndex {
            let rest = Array(buffer[start...])
            lines = lines.map { ArraySlice(Array($0)) }
            buffer = rest
        }
        return lines
    }

    /// Whatever followed the last newline (a server may omit the final one).
    mutating func finish() -> ArraySlice<UInt8>? {
        defer { buffer = [] }
        return buffer.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) ? nil : buffer[...]
    }

    /// Turns a decoded stream of chunks into a stream of events, decoding each frame with `decode`.
    static func events<Object: Sendable>(
        _ chunks: AsyncThrowingStream<[UInt8], any Error>,
        decode: @escaping @Sendable (ArraySlice<UInt8>) throws -> WatchEvent<Object>
    ) -> AsyncThrowingStream<WatchEvent<Object>, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                var splitter = WatchFrameSplitter()
                do {
                    for try await chunk in chunks {
                        for line in splitter.append(chunk) { continuation.yield(try decode(line)) }
                    }
                    if let last = splitter.finish() { continuation.yield(try decode(last)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Decodes a frame generically: `{"type": ..., "object": ...}`; an `ERROR` frame throws its Status.
    static func decodeFrame(_ line: ArraySlice<UInt8>) throws -> (WatchEventType, JSONValue) {
        let frame = try JSONValue(parsing: Array(line))
        guard let type = frame["type"]?.stringValue, let object = frame["object"] else {
            throw KubeClientError("a watch frame has no type or object: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        if type == "ERROR" {
            throw StatusError(statusJSON: object) ?? StatusError(code: 500, reason: .internalError, message: "watch error")
        }
        guard let eventType = WatchEventType(rawValue: type) else {
            throw KubeClientError("unknown watch event type \(type)")
        }
        return (eventType, object)
    }
}
