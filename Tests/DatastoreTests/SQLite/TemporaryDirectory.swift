import Foundation

/// A fresh directory under the system temporary directory, removed by `remove()` (call it in a `defer`).
struct TemporaryDirectory {
    let path: String

    init(_ label: String = "sqlite") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/k3s-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    func file(_ name: String) -> String {
        "\(path)/\(name)"
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The bytes of a file (empty if it does not exist).
    static func bytes(_ path: String) -> Data {
        FileManager.default.contents(atPath: path) ?? Data()
    }

    /// The size of a file in bytes (0 if it does not exist).
    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}
