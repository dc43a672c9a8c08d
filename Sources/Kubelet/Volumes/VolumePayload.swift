import KubeAPI

/// The files of a configMap, secret, downwardAPI or projected volume: relative path to contents
/// and permission bits.
public struct VolumePayload: Sendable, Hashable {
    /// One file.
    public struct File: Sendable, Hashable {
        /// The contents.
        public var bytes: [UInt8]
        /// Permission bits (`0o644`).
        public var mode: Int

        /// Creates a file.
        public init(bytes: [UInt8], mode: Int) {
            self.bytes = bytes
            self.mode = mode
        }
    }

    /// The files by relative path (`key`, `dir/key`).
    public var files: [String: File] = [:]

    /// The default permission bits of these volumes (`0644`).
    public static let defaultMode = 0o644

    /// Creates an empty payload.
    public init() {}

    /// The files of key/value data: every key when `items` is empty, else the listed keys at
    /// their paths (a missing key fails unless `optional`).
    /// - Parameter kind: `configmap` or `secret`, for the error message.
    public static func keyed(
        _ data: [String: [UInt8]], items: [CoreV1.KeyToPath]?, defaultMode: Int?, optional: Bool, kind: String
    ) throws(PodConfigError) -> VolumePayload {
        var payload = VolumePayload()
        let mode = defaultMode ?? Self.defaultMode
        guard let items, !items.isEmpty else {
            for (key, value) in data { payload.files[key] = File(bytes: value, mode: mode) }
            return payload
        }
        for item in items {
            guard let key = item.key else { continue }
            guard let value = data[key] else {
                if optional { continue }
                throw PodConfigError(kind == "secret"
                    ? "references non-existent secret key: \(key)" : "configmap references non-existent config key: \(key)")
            }
            try payload.add(item.path ?? key, File(bytes: value, mode: item.mode ?? mode))
        }
        return payload
    }

    /// The files of downward API items.
    public static func downward(
        _ items: [CoreV1.DownwardAPIVolumeFile], defaultMode: Int?, values: DownwardAPI
    ) throws(PodConfigError) -> VolumePayload {
        var payload = VolumePayload()
        for item in items {
            guard let path = item.path else { continue }
            let text: String
            if let field = item.fieldRef {
                text = try values.field(field.fieldPath ?? "", forVolume: true)
            } else if let resource = item.resourceFieldRef {
                text = try values.resource(resource, container: nil)
            } else {
                continue
            }
            try payload.add(path, File(bytes: Array(text.utf8), mode: item.mode ?? defaultMode ?? Self.defaultMode))
        }
        return payload
    }

    /// Adds a file at a relative path without `..` components.
    public mutating func add(_ path: String, _ file: File) throws(PodConfigError) {
        let parts = path.split(separator: "/")
        guard !path.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), !parts.contains(where: { $0.hasPrefix("..") }) else {
            throw PodConfigError("invalid path \"\(path)\": must be relative and may not contain '..'")
        }
        files[parts.joined(separator: "/")] = file
    }

    /// The payload with every file readable by its group (`fsGroup` volumes).
    public func groupReadable() -> VolumePayload {
        var copy = self
        copy.files = files.mapValues { File(bytes: $0.bytes, mode: $0.mode | 0o440) }
        return copy
    }

    /// Adds every file of `other` (its paths win).
    public mutating func merge(_ other: VolumePayload) {
        files.merge(other.files) { _, new in new }
    }
}
