import Crypto
import Foundation
import KubeAPI
import Testing

@testable import ContainerImages

@Suite("OCIImageArchive")
struct OCIImageArchiveTests {
    static func sample(name: String = "k3s-swift/sample:2", extra: [TarEntry] = []) throws -> OCIImageArchive {
        try OCIImageArchive(
            name: name,
            entries: [.file("usr/local/bin/app", text: "#!/bin/sh\necho hi\n", mode: 0o755), .file("etc/app.conf", text: "x=1\n")] + extra,
            configuration: ImageConfiguration(
                entrypoint: ["/usr/local/bin/app"], cmd: ["--flag"], environment: ["PATH=/bin", "A=b"],
                workingDirectory: "/work", labels: ["b": "2", "a": "1"]))
    }

    /// The archive's members by path.
    static func members(_ archive: OCIImageArchive) throws -> [String: TarEntry] {
        Dictionary(uniqueKeysWithValues: try TarReader(archive.bytes).entries().map { ($0.path, $0) })
    }

    static func blob(_ members: [String: TarEntry], _ digest: String) throws -> [UInt8] {
        let bytes = try #require(members["blobs/sha256/" + digest.dropFirst(7)]?.bytes, "blob \(digest)")
        #expect("sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() == digest, "digest of \(digest)")
        return bytes
    }

    @Test("layout, index, manifest, config and layer agree on digests and sizes")
    func structure() throws {
        let archive = try Self.sample()
        #expect(archive.name == "docker.io/k3s-swift/sample:2")
        let members = try Self.members(archive)
        #expect(try JSONValue(parsing: #require(members["oci-layout"]?.bytes))["imageLayoutVersion"] == "1.0.0")
        #expect(members["blobs"]?.kind == .directory)

        let index = try JSONValue(parsing: #require(members["index.json"]?.bytes))
        #expect(index["schemaVersion"] == 2)
        let descriptor = try #require(index["manifests"]?[0])
        #expect(index["manifests"]?.arrayValue?.count == 1)
        #expect(descriptor["mediaType"]?.stringValue == OCIImageArchive.manifestMediaType)
        #expect(descriptor["digest"]?.stringValue == archive.manifestDigest)
        #expect(descriptor["annotations"]?["io.containerd.image.name"] == "docker.io/k3s-swift/sample:2")
        #expect(descriptor["annotations"]?["org.opencontainers.image.ref.name"] == "2")
        #expect(descriptor["platform"]?["os"] == "linux")
        #expect(descriptor["platform"]?["architecture"]?.stringValue == ImageConfiguration.hostArchitecture)

        let manifestBytes = try Self.blob(members, archive.manifestDigest)
        #expect(descriptor["size"]?.intValue == Int64(manifestBytes.count))
        let manifest = try JSONValue(parsing: manifestBytes)
        #expect(manifest["schemaVersion"] == 2)
        #expect(manifest["config"]?["digest"]?.stringValue == archive.configDigest)
        #expect(manifest["config"]?["mediaType"]?.stringValue == OCIImageArchive.configMediaType)
        let layerDescriptor = try #require(manifest["layers"]?[0])
        #expect(layerDescriptor["digest"]?.stringValue == archive.layerDigest)
        #expect(layerDescriptor["mediaType"]?.stringValue == OCIImageArchive.layerMediaType)

        let configBytes = try Self.blob(members, archive.configDigest)
        #expect(manifest["config"]?["size"]?.intValue == Int64(configBytes.count))
        let config = try JSONValue(parsing: configBytes)
        #expect(config["rootfs"]?["diff_ids"]?[0]?.stringValue == archive.layerDigest)
        #expect(config["config"]?["Entrypoint"] == ["/usr/local/bin/app"])
        #expect(config["config"]?["Cmd"] == ["--flag"])
        #expect(config["config"]?["Env"] == ["PATH=/bin", "A=b"])
        #expect(config["config"]?["WorkingDir"] == "/work")
        #expect(config["config"]?["Labels"]?.objectValue?.keys.elementsEqual(["a", "b"]) == true)

        let layer = try Self.blob(members, archive.layerDigest)
        #expect(layerDescriptor["size"]?.intValue == Int64(layer.count))
        let files = try TarReader(layer).entries()
        // Parents first, sorted.
        #expect(files.map(\.path) == ["etc", "etc/app.conf", "usr", "usr/local", "usr/local/bin", "usr/local/bin/app"])
        #expect(files.last?.mode == 0o755)
        #expect(files.last?.bytes == Array("#!/bin/sh\necho hi\n".utf8))
    }

    @Test("the same input gives the same bytes; a different input another digest")
    func deterministic() throws {
        let first = try Self.sample()
        let second = try Self.sample()
        #expect(first.bytes == second.bytes)
        #expect(first.manifestDigest == second.manifestDigest)
        let other = try Self.sample(extra: [.file("etc/other", text: "y")])
        #expect(other.layerDigest != first.layerDigest)
        #expect(other.manifestDigest != first.manifestDigest)
        // The name lives in the index only: the image content is the same.
        let renamed = try Self.sample(name: "registry.example.test/other:3")
        #expect(renamed.manifestDigest == first.manifestDigest)
        #expect(renamed.bytes != first.bytes)
    }

    @Test("image names are normalized, bad ones refused", arguments: [
        ("busybox", "docker.io/library/busybox:latest"),
        ("k3s-swift/pause:1.0", "docker.io/k3s-swift/pause:1.0"),
        ("127.0.0.1:5000/test/busybox:1", "127.0.0.1:5000/test/busybox:1"),
        ("localhost/a", "localhost/a:latest"),
        ("index.docker.io/library/x:y", "docker.io/library/x:y"),
    ])
    func names(input: String, normalized: String) throws {
        #expect(try ImageReference(parsing: input).description == normalized)
    }

    @Test("invalid references are refused with the reason", arguments: ["", "Busybox", "a:", "a//b", "a@sha256:12", "a:b c"])
    func badNames(input: String) {
        #expect(throws: ImageReferenceError.self) { try ImageReference(parsing: input) }
    }

    @Test("skopeo reads the archive as an OCI image")
    func skopeoInspects() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/image.tar"
        let archive = try Self.sample()
        try archive.write(to: path)
        let result = try run("/usr/bin/skopeo", ["inspect", "--raw", "oci-archive:" + path])
        #expect(result.status == 0, "\(result.output)")
        let manifest = try JSONValue(parsing: result.output)
        #expect(manifest["config"]?["digest"]?.stringValue == archive.configDigest)
    }
}
