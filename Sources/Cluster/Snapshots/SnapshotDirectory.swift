#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The folder of datastore snapshots (`--etcd-snapshot-dir`), with K3s's naming: a snapshot is
/// the file `<prefix>-<node name>-<unix time>` (`etcd-snapshot-server1-1765104000` when
/// scheduled, `on-demand-server1-1765104000` from `k3s etcd-snapshot save`).
public struct SnapshotDirectory: Sendable {
    /// The folder.
    public let path: String

    /// One snapshot file.
    public struct Entry: Sendable, Hashable {
        /// The file name.
        public var name: String
        /// The full path.
        public var path: String
        /// Its size in bytes.
        public var size: Int
        /// When it was taken: the time in its name, else the file's modification time.
        public var created: Date
        /// Where it is, as K3s lists it (`file:///var/lib/.../snapshots/NAME`).
        public var location: String { "file://" + path }
        /// ``created`` as RFC 3339 in UTC, as `k3s etcd-snapshot ls` prints it.
        public var createdRFC3339: String { CertificateReport.rfc3339(created) }
    }

    /// A snapshot operation that failed.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Creates a view of `path` (nothing is created until a snapshot is saved).
    public init(path: String) {
        self.path = path.trimmingTrailingSlash()
    }

    /// The file name of a snapshot taken at `date`.
    public static func fileName(prefix: String, nodeName: String, at date: Date) -> String {
        "\(prefix)-\(nodeName)-\(Int(date.timeIntervalSince1970.rounded(.down)))"
    }

    /// Whether `text` can start a snapshot file name.
    public static func isValidPrefix(_ text: String) -> Bool {
        !text.isEmpty && !text.contains("/") && text != "." && text != ".."
    }

    /// The snapshots, oldest first (ties by name). Temporary files of a snapshot being written
    /// are left out.
    public func list() -> [Entry] {
        FileSystem.contents(ofDirectory: path).compactMap { name -> Entry? in
            guard !name.contains(".tmp-"), !name.hasPrefix(".") else { return nil }
            let file = path + "/" + name
            var info = stat()
            guard stat(file, &info) == 0, (info.st_mode & mode_t(S_IFMT)) == mode_t(S_IFREG) else { return nil }
            let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec))
            return Entry(name: name, path: file, size: Int(info.st_size), created: Self.timestamp(in: name) ?? modified)
        }.sorted { ($0.created, $0.name) < ($1.created, $1.name) }
    }

    /// The unix time at the end of a snapshot name (`...-1765104000`).
    static func timestamp(in name: String) -> Date? {
        guard let dash = name.lastIndex(of: "-"), let seconds = Int(name[name.index(after: dash)...]), seconds > 0 else { return nil }
        return Date(timeIntervalSince1970: Double(seconds))
    }

    /// Takes a snapshot named for `prefix`, `nodeName` and `date`: `take` writes the file at the
    /// path it is given (the datastore's snapshot function).
    public func save(
        prefix: String, nodeName: String, at date: Date, take: (String) async throws -> Void
    ) async throws -> Entry {
        guard Self.isValidPrefix(prefix) else { throw Failure(description: "invalid snapshot name \"\(prefix)\": must be a file name without '/'") }
        do {
            try FileSystem.makeDirectories(path, mode: 0o700)
        } catch {
            throw Failure(description: error.description)
        }
        let name = Self.fileName(prefix: prefix, nodeName: nodeName, at: date)
        try await take(path + "/" + name)
        guard let entry = list().first(where: { $0.name == name }) else {
            throw Failure(description: "the snapshot \(path)/\(name) was not written")
        }
        return entry
    }

    /// Removes the named snapshots (file names in this folder).
    ///
    /// - Throws: ``Failure`` naming every snapshot that does not exist or could not be removed;
    ///   the others are removed.
    @discardableResult
    public func delete(_ names: [String]) throws(Failure) -> [String] {
        var removed: [String] = []
        var problems: [String] = []
        for name in names {
            guard Self.isValidPrefix(name), !name.contains(".tmp-") else {
                problems.append("\(name): not a snapshot name")
                continue
            }
            if unlink(path + "/" + name) == 0 {
                removed.append(name)
            } else {
                problems.append("\(name): \(String(cString: strerror(errno)))")
            }
        }
        if !problems.isEmpty {
            throw Failure(description: "cannot delete snapshot(s) in \(path): " + problems.joined(separator: "; "))
        }
        return removed
    }

    /// Keeps the newest `retention` snapshots whose name starts with `prefix-` and removes the
    /// older ones; other snapshots are left alone. A retention of 0 keeps everything.
    @discardableResult
    public func prune(prefix: String, retention: Int) throws(Failure) -> [String] {
        guard retention > 0 else { return [] }
        let matching = list().filter { $0.name.hasPrefix(prefix + "-") }
        guard matching.count > retention else { return [] }
        return try delete(matching.prefix(matching.count - retention).map(\.name))
    }
}
