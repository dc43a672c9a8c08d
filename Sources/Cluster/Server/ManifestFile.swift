import Crypto
import KubeAPI

/// One manifest file of the server's auto-deploy directory (`DATA_DIR/server/manifests`): its
/// Addon name (the file's base name without extension), path, text and SHA-256 checksum.
public struct ManifestFile: Sendable, Hashable {
    /// The Addon's name: the file name without `.yaml`, `.yml` or `.json`.
    public var name: String
    /// The file's path.
    public var path: String
    /// The file's contents.
    public var text: String
    /// The lower-case hex SHA-256 of the contents (what the Addon's `spec.checksum` records).
    public var checksum: String

    /// A manifest file read from `path`.
    public init(path: String, text: String) {
        self.path = path
        self.text = text
        let file = path.split(separator: "/").last.map(String.init) ?? path
        self.name = Self.extensions.lazy.compactMap { file.hasSuffix($0) ? String(file.dropLast($0.count)) : nil }.first ?? file
        self.checksum = SHA256.hash(data: Array(text.utf8)).lowercaseHex
    }

    /// The file name endings deployed.
    public static let extensions = [".yaml", ".yml", ".json"]

    /// The manifest files below `directory` (subdirectories too, as K3s reads them), in path order:
    /// those with a deployed ending, less any with a `FILE.skip` beside it, less files whose
    /// Addon name is in `disabled` (K3s's `--disable NAME` for a manifest of that name).
    public static func scan(_ directory: String, disabled: Set<String> = []) -> [ManifestFile] {
        var result: [ManifestFile] = []
        var pending = [directory]
        while let current = pending.popLast() {
            let entries = FileSystem.contents(ofDirectory: current)
            let names = Set(entries)
            for entry in entries where !entry.hasPrefix(".") {
                let path = current + "/" + entry
                if FileSystem.isDirectory(path) {
                    pending.append(path)
                    continue
                }
                guard extensions.contains(where: { entry.hasSuffix($0) }), !names.contains(entry + ".skip"),
                    let text = try? FileSystem.readTextFile(path)
                else { continue }
                let file = ManifestFile(path: path, text: text)
                if !disabled.contains(file.name) { result.append(file) }
            }
        }
        return result.sorted { $0.path < $1.path }
    }

    /// The objects the file holds, in order: each YAML document (split at `---` lines), or the
    /// JSON value; a `List` (`kind: List`, or any `*List` with `items`) gives its items. Empty
    /// documents are skipped.
    ///
    /// - Throws: ``ManifestError`` naming the document that does not parse or is not an object
    ///   with `apiVersion`, `kind` and `metadata.name`.
    public func objects() throws(ManifestError) -> [JSONValue] {
        var documents: [(line: Int, text: String)] = []
        var current: [Substring] = []
        var start = 1
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line == "---" || line.hasPrefix("--- ") || line == "..." {
                documents.append((start, current.joined(separator: "\n")))
                current = []
                start = index + 2
            } else {
                current.append(line)
            }
        }
        documents.append((start, current.joined(separator: "\n")))
        var objects: [JSONValue] = []
        for document in documents {
            let value: JSONValue
            do {
                value = try YAMLParser.parse(document.text)
            } catch {
                throw ManifestError(file: path, reason: "line \(document.line - 1 + max(error.line, 1)): \(error.message)")
            }
            if value.isNull { continue }
            if value["kind"]?.stringValue?.hasSuffix("List") == true, let items = value["items"]?.arrayValue {
                objects += items
            } else {
                objects.append(value)
            }
        }
        for (index, object) in objects.enumerated() {
            guard object["apiVersion"]?.stringValue?.isEmpty == false, object["kind"]?.stringValue?.isEmpty == false,
                object[path: "metadata", "name"]?.stringValue?.isEmpty == false
            else {
                throw ManifestError(file: path, reason: "object \(index + 1) needs apiVersion, kind and metadata.name")
            }
        }
        return objects
    }
}

/// Why a manifest could not be deployed.
public struct ManifestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The manifest file.
    public var file: String
    /// What is wrong.
    public var reason: String

    /// Creates an error.
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
