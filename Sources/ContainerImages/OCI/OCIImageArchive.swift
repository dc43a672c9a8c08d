import KubeAPI
import OrderedCollections

/// An image as an OCI image-layout tar archive that `ctr images import` (and K3s's image
/// directory), `skopeo copy oci-archive:...` and `docker load`-compatible tools accept: an
/// `oci-layout` file, an `index.json` naming the image and the blobs (configuration, manifest and
/// one uncompressed tar layer) under `blobs/sha256/`.
///
/// The index carries both `io.containerd.image.name` (the full normalized name, which containerd
/// uses as the image name) and `org.opencontainers.image.ref.name` (the tag). Everything is
/// derived from the input alone (no timestamps, entries sorted), so the same files and
/// configuration always give the same bytes and digests.
public struct OCIImageArchive: Sendable {
    /// The image name, normalized (`docker.io/k3s-swift/pause:1`).
    public let name: String
    /// The archive.
    public let bytes: [UInt8]
    /// The digest of the image manifest: the image's ID for containerd and CRI's `imageRef`.
    public let manifestDigest: String
    /// The digest of the image configuration (CRI's image `id`).
    public let configDigest: String
    /// The digest of the (uncompressed) layer, which is also its diff ID.
    public let layerDigest: String

    /// The media type of an OCI image manifest.
    public static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
    /// The media type of an OCI image configuration.
    public static let configMediaType = "application/vnd.oci.image.config.v1+json"
    /// The media type of an uncompressed OCI layer.
    public static let layerMediaType = "application/vnd.oci.image.layer.v1.tar"
    /// The index annotation containerd reads the image name from.
    public static let containerdNameAnnotation = "io.containerd.image.name"
    /// The OCI index annotation holding the reference name (the tag).
    public static let refNameAnnotation = "org.opencontainers.image.ref.name"

    /// Builds an image whose root file system holds `entries`.
    ///
    /// Missing parent directories are added (mode `0o755`), entries are sorted by path and a
    /// path given twice keeps its last entry.
    ///
    /// - Throws: ``ImageReferenceError`` when `name` is not a valid image reference.
    public init(name: String, entries: [TarEntry], configuration: ImageConfiguration) throws(ImageReferenceError) {
        let reference = try ImageReference(parsing: name)
        self.name = reference.description
        let layer = TarWriter.archive(Self.rootFileSystem(entries))
        layerDigest = Digest.sha256(layer)

        let config = Self.configJSON(configuration, diffID: layerDigest).serialized(escapingHTML: false)
        configDigest = Digest.sha256(config)
        let manifest: JSONValue = [
            "schemaVersion": 2,
            "mediaType": .string(Self.manifestMediaType),
            "config": .object(Self.descriptor(Self.configMediaType, configDigest, config.count)),
            "layers": [.object(Self.descriptor(Self.layerMediaType, layerDigest, layer.count))],
        ]
        let manifestBytes = manifest.serialized(escapingHTML: false)
        manifestDigest = Digest.sha256(manifestBytes)

        var manifestDescriptor = Self.descriptor(Self.manifestMediaType, manifestDigest, manifestBytes.count)
        manifestDescriptor["annotations"] = [
            Self.containerdNameAnnotation: .string(self.name),
            Self.refNameAnnotation: .string(reference.tag ?? "latest"),
        ]
        manifestDescriptor["platform"] = [
            "architecture": .string(configuration.architecture),
            "os": .string(configuration.operatingSystem),
        ]
        let index: JSONValue = [
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [.object(manifestDescriptor)],
        ]
        let layout: JSONValue = ["imageLayoutVersion": "1.0.0"]
        var blobs = [(configDigest, config), (layerDigest, layer), (manifestDigest, manifestBytes)]
        blobs.sort { $0.0 < $1.0 }
        var writer = TarWriter()
        writer.append(.file("oci-layout", layout.serialized(escapingHTML: false)))
        writer.append(.directory("blobs"))
        writer.append(.directory("blobs/sha256"))
        for (digest, blob) in blobs {
            writer.append(.file("blobs/sha256/" + digest.dropFirst("sha256:".count), blob))
        }
        writer.append(.file("index.json", index.serialized(escapingHTML: false)))
        bytes = writer.finish()
    }

    /// The image's tar entries as they go into the layer: parents added, sorted, de-duplicated.
    static func rootFileSystem(_ entries: [TarEntry]) -> [TarEntry] {
        var byPath: [String: TarEntry] = [:]
        for entry in entries where !entry.path.isEmpty { byPath[entry.path] = entry }
        for path in Array(byPath.keys) {
            var parent = Substring(path)
            while let slash = parent.lastIndex(of: "/") {
                parent = parent[..<slash]
                if byPath[String(parent)] == nil { byPath[String(parent)] = .directory(String(parent)) }
            }
        }
        return byPath.keys.sorted().map { byPath[$0]! }
    }

    static func descriptor(_ mediaType: String, _ digest: String, _ size: Int) -> OrderedDictionary<String, JSONValue> {
        ["mediaType": .string(mediaType), "digest": .string(digest), "size": .int(Int64(size))]
    }

    /// The OCI image configuration document.
    static func configJSON(_ configuration: ImageConfiguration, diffID: String) -> JSONValue {
        var config: OrderedDictionary<String, JSONValue> = [:]
        if !configuration.user.isEmpty { config["User"] = .string(configuration.user) }
        if !configuration.environment.isEmpty { config["Env"] = .array(configuration.environment.map(JSONValue.string)) }
        if !configuration.entrypoint.isEmpty { config["Entrypoint"] = .array(configuration.entrypoint.map(JSONValue.string)) }
        if !configuration.cmd.isEmpty { config["Cmd"] = .array(configuration.cmd.map(JSONValue.string)) }
        if !configuration.workingDirectory.isEmpty { config["WorkingDir"] = .string(configuration.workingDirectory) }
        if !configuration.labels.isEmpty {
            var labels: OrderedDictionary<String, JSONValue> = [:]
            for key in configuration.labels.keys.sorted() { labels[key] = .string(configuration.labels[key]!) }
            config["Labels"] = .object(labels)
        }
        return [
            "architecture": .string(configuration.architecture),
            "os": .string(configuration.operatingSystem),
            "config": .object(config),
            "rootfs": ["type": "layers", "diff_ids": [.string(diffID)]],
        ]
    }
}
