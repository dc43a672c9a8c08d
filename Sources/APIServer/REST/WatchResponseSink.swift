import KubeAPI
import NIOCore
import Synchronization

/// The watch cache's sink for one watch response: object events arrive already encoded
/// (shared lines) and go straight to the transport's ``WatchOutput``; bookmarks and errors,
/// rare and per watcher, are encoded here.
final class WatchResponseSink: CacheWatchSink {
    let output: any WatchOutput
    let descriptor: ResourceDescriptor
    /// Whether the client asked for bookmarks (`allowWatchBookmarks`).
    let bookmarks: Bool
    /// The `meta.k8s.io` version of a metadata-only watch.
    let metadataVersion: String?
    /// True while the cache delivers the initial burst (the current objects, or the events
    /// since the requested revision): those bytes do not count against the backlog bound.
    private let initial = Atomic<Bool>(true)

    init(output: any WatchOutput, descriptor: ResourceDescriptor, bookmarks: Bool, metadataVersion: String?) {
        self.output = output
        self.descriptor = descriptor
        self.bookmarks = bookmarks
        self.metadataVersion = metadataVersion
    }

    /// The encoding object events are delivered in.
    var encoding: WatchEncoding {
        metadataVersion.map { .metadata(version: $0) } ?? .object
    }

    /// Ends the initial burst: from now on the backlog bound applies.
    func initialDelivered() {
        initial.store(false, ordering: .relaxed)
    }

    func receive(_ event: CacheWatchEvent, line: ByteBuffer?) -> Bool {
        let exempt = initial.load(ordering: .relaxed)
        switch event {
        case .added, .modified, .deleted:
            // Lines come with object events (the sink registers with an encoding); encode here
            // only if one did not.
            var lines = SharedLines()
            guard let bytes = line ?? lines.line(for: event, encoding: encoding) else { return false }
            return output.write(bytes, exempt: exempt)
        case .bookmark(let revision, let initialEventsEnd):
            guard bookmarks else { return true }
            var bookmark = ResourceHandler.bookmarkObject(descriptor, revision: revision, initialEventsEnd: initialEventsEnd)
            if let metadataVersion { bookmark = PartialObjectMetadata.object(bookmark, version: metadataVersion) }
            return output.write(ByteBuffer(bytes: ResponseEncoding.watchLine(type: "BOOKMARK", object: bookmark.serialized())), exempt: exempt)
        case .error(let error):
            _ = output.write(ByteBuffer(bytes: ResponseEncoding.watchLine(type: "ERROR", object: error.statusJSON().serialized())), exempt: true)
            return false
        }
    }

    func finish() {
        output.finish()
    }
}
