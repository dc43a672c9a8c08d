import ClusterTesting
import Foundation
import Logging
import Testing

@testable import ContainerImages

@Suite("AgentImages")
struct AgentImagesTests {
    @Test("a bad registries file is reported and the hosts directory is left alone")
    func badRegistries() throws {
        let work = try TemporaryDirectory()
        try "mirrors:\n  docker.io:\n    endpoint: 5\n    extra: 1\n".write(toFile: work.path + "/registries.yaml", atomically: true, encoding: .utf8)
        let steps = AgentImages(dataDirectory: work.path, containerdAddress: "/nonexistent.sock", registriesPath: work.path + "/registries.yaml", logger: Logger(label: "test"))
        let (rendered, error) = steps.writeRegistries()
        #expect(rendered == nil)
        #expect(error?.contains("registries.yaml: line 4") == true, "\(error ?? "")")
        #expect(!FileManager.default.fileExists(atPath: steps.hostsDirectory))
    }

    @Test(
        "agent start: hosts from registries.yaml, the pause image and the images directory imported",
        .enabled(if: PrivateContainerd.available, "needs root, containerd and runc"), .timeLimit(.minutes(3)))
    func startSteps() async throws {
        let containerd = try await PrivateContainerd()
        defer { containerd.stop() }
        let work = try TemporaryDirectory()
        let data = work.path + "/data"
        try FileManager.default.createDirectory(atPath: data + "/agent/images", withIntermediateDirectories: true)
        try TestImages.writeBusybox(to: data + "/agent/images/busybox.tar")
        try "mirrors:\n  registry.example.test:\n    endpoint: [\"http://127.0.0.1:1\"]\n"
            .write(toFile: work.path + "/registries.yaml", atomically: true, encoding: .utf8)

        var steps = AgentImages(
            dataDirectory: data, containerdAddress: containerd.socket, registriesPath: work.path + "/registries.yaml",
            ctrPath: PrivateContainerd.ctr, logger: Logger(label: "test"))
        steps.namespace = containerd.namespace
        let report = await steps.run()
        #expect(report.registriesError == nil)
        #expect(FileManager.default.fileExists(atPath: data + "/agent/etc/containerd/certs.d/registry.example.test/hosts.toml"))
        #expect(report.pauseImage?.images == [PauseImage.defaultName], "\(String(describing: report.pauseImage))")
        #expect(report.archives.map(\.images) == [[TestImages.busyboxName]], "\(report.archives)")
        let listed = try containerd.ctr(["images", "list", "--quiet"]).output.split(separator: "\n")
        #expect(listed.contains(Substring(PauseImage.defaultName)) && listed.contains(Substring(TestImages.busyboxName)), "\(listed)")

        // With --pause-image naming another image, the project's is not imported.
        steps.pauseImage = "registry.example.test/pause:3.9"
        let second = await steps.run()
        #expect(second.pauseImage == nil)
        #expect(second.archives.count == 1)
    }
}
