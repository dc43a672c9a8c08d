import ClusterTesting
import Foundation
import Testing

@testable import ContainerImages

@Suite("Registry pulls through hosts.toml")
struct RegistryPullTests {
    @Test(
        "a mirror from registries.yaml serves a pull of a made-up registry name",
        .enabled(if: PrivateContainerd.available && LoopbackRegistry.available, "needs root, containerd, runc and docker-registry"),
        .timeLimit(.minutes(5)))
    func pullThroughMirror() async throws {
        let registry = try await LoopbackRegistry()
        defer { registry.stop() }
        let containerd = try await PrivateContainerd()
        defer { containerd.stop() }
        let work = try TemporaryDirectory()

        // Fill the registry from an OCI archive.
        let archive = work.path + "/busybox.tar"
        try TestImages.writeBusybox(to: archive)
        let push = try run("/usr/bin/skopeo", [
            "--insecure-policy", "copy", "--dest-tls-verify=false",
            "oci-archive:" + archive, "docker://\(registry.address)/test/busybox:1",
        ])
        try #require(push.status == 0, "skopeo: \(push.output)")

        // registries.yaml: registry.example.test is mirrored by the loopback registry.
        let yaml = """
            mirrors:
              registry.example.test:
                endpoint:
                  - "http://\(registry.address)"
            """
        let configuration = try RegistriesConfiguration.parse(yaml, file: "registries.yaml")
        let certs = work.path + "/certs.d"
        let rendered = try ContainerdHostsDirectory.write(configuration, to: certs)
        #expect(rendered.warnings.isEmpty)
        #expect(FileManager.default.fileExists(atPath: certs + "/registry.example.test/hosts.toml"))

        // Without the hosts directory the made-up name cannot be pulled...
        let direct = try containerd.ctr(["images", "pull", "registry.example.test/test/busybox:1"])
        #expect(direct.status != 0, "\(direct.output)")
        // ...with it, the mirror serves it.
        let pulled = try containerd.ctr([
            "images", "pull", "--hosts-dir", certs, "registry.example.test/test/busybox:1",
        ])
        try #require(pulled.status == 0, "ctr pull: \(pulled.output)\n\(containerd.log())")
        let listed = try containerd.ctr(["images", "list", "--quiet"])
        #expect(listed.output.split(separator: "\n").contains("registry.example.test/test/busybox:1"), "\(listed.output)")
        let ran = try containerd.ctr(["run", "--rm", "registry.example.test/test/busybox:1", "pulled-check", "echo", "pulled through the mirror"])
        #expect(ran.status == 0, "\(ran.output)")
        #expect(ran.output.contains("pulled through the mirror"), "\(ran.output)")
    }
}
