import ClusterTesting
import Foundation
import Logging
import Testing

@testable import ContainerImages

@Suite("ImageArchiveImporter")
struct ImageArchiveImporterTests {
    @Test("compression is told by the first bytes", arguments: [
        ([0x1f, 0x8b, 8, 0], ArchiveCompression.gzip),
        ([0x28, 0xb5, 0x2f, 0xfd], .zstd),
        (Array("BZh91AY".utf8), .bzip2),
        ([0x04, 0x22, 0x4d, 0x18, 0x64], .lz4),
        (Array("oci-layout".utf8), .none),
        ([], .none),
    ] as [([UInt8], ArchiveCompression)])
    func compression(header: [UInt8], expected: ArchiveCompression) {
        #expect(ArchiveCompression(header: header) == expected)
    }

    @Test("only tar archives are picked from the directory, in name order")
    func directoryListing() throws {
        let directory = try TemporaryDirectory()
        for name in ["b.tar", "a.tar.zst", "c.tgz", "d.tar.gz", "e.tzst", "notes.txt", "f.tar.bz2", "h.tar.lz4", "i.tar.xz"] {
            _ = FileManager.default.createFile(atPath: directory.path + "/" + name, contents: Data())
        }
        try FileManager.default.createDirectory(atPath: directory.path + "/g.tar", withIntermediateDirectories: false)
        #expect(ImageArchiveImporter.archives(in: directory.path).map { $0.split(separator: "/").last.map(String.init) ?? "" } == [
            "a.tar.zst", "b.tar", "c.tgz", "d.tar.gz", "e.tzst", "f.tar.bz2", "h.tar.lz4",
        ])
        #expect(ImageArchiveImporter.archives(in: directory.path + "/missing").isEmpty)
    }

    @Test("the import goes to the CRI plugin's namespace by default, reading the archive from a file or standard input")
    func command() {
        let importer = ImageArchiveImporter(address: "/run/k3s/containerd/containerd.sock", logger: Logger(label: "test"))
        #expect(importer.ctrCommand == ["ctr", "--address", "/run/k3s/containerd/containerd.sock", "--namespace", "k8s.io", "images", "import"])
    }

    @Test("ctr's report gives the image names")
    func reportParsing() {
        let output = """
            unpacking docker.io/k3s-swift/busybox:test (sha256:0123)...done
            unpacking docker.io/library/x:1 (sha256:4567)...done

            """
        #expect(ImageArchiveImporter.importedNames(output) == ["docker.io/k3s-swift/busybox:test", "docker.io/library/x:1"])
    }

    /// Writes `source` compressed with `tool` (`gzip`, `zstd`, `bzip2`, `lz4`) to `destination`.
    static func compress(_ source: String, with tool: String, to destination: String) throws {
        let result = try run("/bin/sh", ["-c", "\(tool) -c < \"$1\" > \"$2\"", "sh", source, destination])
        #expect(result.status == 0, "\(tool): \(result.output)")
    }

    @Test(
        "every archive format imports into a real containerd, a bad file is reported, the images run",
        .enabled(if: PrivateContainerd.available, "needs root, containerd and runc"), .timeLimit(.minutes(5)))
    func importsIntoContainerd() async throws {
        let containerd = try await PrivateContainerd()
        defer { containerd.stop() }
        let work = try TemporaryDirectory()
        let images = work.path + "/images"
        try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)

        // OCI layout archives, plain and compressed.
        let base = "docker.io/k3s-swift/busybox"
        try TestImages.writeBusybox(to: images + "/busybox-oci.tar", name: base + ":oci")
        try TestImages.writeBusybox(to: work.path + "/gz.tar", name: base + ":oci-gz")
        try Self.compress(work.path + "/gz.tar", with: "gzip", to: images + "/busybox-oci.tar.gz")
        try TestImages.writeBusybox(to: work.path + "/zst.tar", name: base + ":oci-zst")
        try Self.compress(work.path + "/zst.tar", with: "zstd", to: images + "/busybox-oci.tar.zst")
        try TestImages.writeBusybox(to: work.path + "/bz2.tar", name: base + ":oci-bz2")
        try Self.compress(work.path + "/bz2.tar", with: "bzip2", to: images + "/busybox-oci.tar.bz2")
        // docker-archive tars, made by skopeo from an OCI archive.
        let docker = work.path + "/docker.tar"
        let copy = try run("/usr/bin/skopeo", [
            "--insecure-policy", "copy", "oci-archive:" + images + "/busybox-oci.tar", "docker-archive:" + docker + ":k3s-swift/busybox:docker",
        ])
        try #require(copy.status == 0, "skopeo: \(copy.output)")
        try FileManager.default.copyItem(atPath: docker, toPath: images + "/busybox-docker.tar")
        let dockerTagged = { (tag: String, path: String) throws in
            let made = try run("/usr/bin/skopeo", [
                "--insecure-policy", "copy", "oci-archive:" + images + "/busybox-oci.tar", "docker-archive:" + path + ":k3s-swift/busybox:" + tag,
            ])
            try #require(made.status == 0, "skopeo: \(made.output)")
        }
        try dockerTagged("docker-gz", work.path + "/d-gz.tar")
        try Self.compress(work.path + "/d-gz.tar", with: "gzip", to: images + "/busybox-docker.tgz")
        try dockerTagged("docker-zst", work.path + "/d-zst.tar")
        try Self.compress(work.path + "/d-zst.tar", with: "zstd", to: images + "/busybox-docker.tar.zst")
        try dockerTagged("docker-lz4", work.path + "/d-lz4.tar")
        try Self.compress(work.path + "/d-lz4.tar", with: "lz4", to: images + "/busybox-docker.tar.lz4")
        // Bad files: not a tar, and a truncated gzip stream.
        try Data("this is not an image".utf8).write(to: URL(fileURLWithPath: images + "/0-bad.tar"))
        let gz = try Data(contentsOf: URL(fileURLWithPath: images + "/busybox-oci.tar.gz"))
        try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: images + "/1-truncated.tar.gz"))
        _ = FileManager.default.createFile(atPath: images + "/README.txt", contents: Data("skipped".utf8))

        let importer = ImageArchiveImporter(address: containerd.socket, namespace: containerd.namespace, ctrPath: PrivateContainerd.ctr, logger: Logger(label: "test"))
        let results = await importer.importDirectory(images)
        let byFile = Dictionary(uniqueKeysWithValues: results.map { (($0.source as NSString).lastPathComponent, $0) })
        #expect(byFile.count == 10, "\(results)")
        #expect(byFile["README.txt"] == nil)
        for (file, tag) in [
            ("busybox-oci.tar", "oci"), ("busybox-oci.tar.gz", "oci-gz"), ("busybox-oci.tar.zst", "oci-zst"),
            ("busybox-docker.tar", "docker"), ("busybox-docker.tgz", "docker-gz"), ("busybox-docker.tar.zst", "docker-zst"),
            ("busybox-oci.tar.bz2", "oci-bz2"), ("busybox-docker.tar.lz4", "docker-lz4"),
        ] {
            let result = try #require(byFile[file])
            #expect(result.succeeded, "\(result)")
            #expect(result.images == [base + ":" + tag], "\(file)")
        }
        let bad = try #require(byFile["0-bad.tar"])
        #expect(!bad.succeeded)
        #expect(bad.description.contains("0-bad.tar"))
        let truncated = try #require(byFile["1-truncated.tar.gz"])
        #expect(truncated.failure?.isEmpty == false, "\(truncated)")

        let listed = try containerd.ctr(["images", "list", "--quiet"])
        for tag in ["oci", "oci-gz", "oci-zst", "oci-bz2", "docker", "docker-gz", "docker-zst", "docker-lz4"] {
            #expect(listed.output.split(separator: "\n").contains(Substring(base + ":" + tag)), "\(listed.output)")
        }
        // Nothing else got a name (ctr would add import-DATE:TAG names for bare OCI tags).
        #expect(!listed.output.contains("import-"), "\(listed.output)")

        // The image is unpacked and runs.
        let ran = try containerd.ctr([
            "run", "--rm", base + ":oci-zst", "busybox-check", "sh", "-c", "echo hello from $(id -un) in $(pwd)",
        ])
        #expect(ran.status == 0, "\(ran.output)")
        #expect(ran.output.contains("hello from root in /"), "\(ran.output)")
    }

    @Test(
        "the pause image imports from memory, runs as the only file of its image and exits 0 on SIGTERM",
        .enabled(if: PrivateContainerd.available, "needs root, containerd and runc"), .timeLimit(.minutes(2)))
    func pauseImageRuns() async throws {
        let containerd = try await PrivateContainerd()
        defer { containerd.stop() }
        let importer = ImageArchiveImporter(address: containerd.socket, namespace: containerd.namespace, ctrPath: PrivateContainerd.ctr, logger: Logger(label: "test"))
        let result = await importer.importPauseImage()
        #expect(result.succeeded, "\(result)")
        #expect(result.images == [PauseImage.defaultName])
        // `ctr run` in the foreground exits with the task's exit status.
        let runner = Process()
        runner.executableURL = URL(fileURLWithPath: PrivateContainerd.ctr)
        runner.arguments = ["--address", containerd.socket, "--namespace", containerd.namespace, "run", "--rm", PauseImage.defaultName, "pause-check"]
        runner.standardOutput = FileHandle.nullDevice
        runner.standardError = FileHandle.nullDevice
        try runner.run()
        defer { if runner.isRunning { kill(runner.processIdentifier, SIGKILL) } }
        try await eventually("the pause task runs", timeout: .seconds(20)) {
            try containerd.ctr(["tasks", "list"]).output.contains("RUNNING")
        }
        let killed = try containerd.ctr(["tasks", "kill", "--signal", "SIGTERM", "pause-check"])
        #expect(killed.status == 0, "\(killed.output)")
        try await eventually("ctr run returns", timeout: .seconds(20)) { !runner.isRunning }
        runner.waitUntilExit()
        #expect(runner.terminationReason == .exit)
        #expect(runner.terminationStatus == 0)
        print("pause image import took \(result.duration)")
    }
}
