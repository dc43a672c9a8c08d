#if canImport(Glibc)
import Glibc
#endif
import ClusterTesting
import ContainerImages
import ContainerRuntime
import FoundationEssentials
import Kubelet
import Logging
import NetOverlay

/// A private containerd for one test: its own root, state, socket and configuration under a
/// temporary directory, run by `ManagedContainerd`, optionally with a pod network (a bridge of
/// its own on ``podCIDR``) and with the test images in a registry on loopback that containerd
/// reaches through `hosts.toml` mirrors for `registry.k8s.io` and `docker.io`.
///
/// The images come from the project's own builders: the pause image from `k3s-pause`
/// (ContainerImages' `PauseImage`), busybox from ClusterTesting's `TestImages`.
///
/// ``tearDown()`` removes everything the fixture and its containerd made (see there); use
/// ``with(network:images:_:)`` so it runs even when the test fails.
final class ContainerdFixture: Sendable {
    /// The sandbox (pause) image; the registry has it, containerd pulls it on the first sandbox.
    static let pauseImage = RuntimeClientConformance.image
    /// A busybox image with a shell.
    static let busyboxImage = RuntimeClientConformance.shellImage
    /// The pod network's CIDR (the conformance suite's).
    static let podCIDR = "10.88.0.0/24"

    let directory: String
    let configuration: ContainerdConfiguration
    let managed: ManagedContainerd
    let client: CRIRuntimeClient
    let registry: LocalRegistry?
    let networkName: String
    let bridgeName: String
    let hasNetwork: Bool
    private let supervisor: Task<Void, any Error>

    private init(
        directory: String, configuration: ContainerdConfiguration, managed: ManagedContainerd, client: CRIRuntimeClient,
        registry: LocalRegistry?, networkName: String, bridgeName: String, hasNetwork: Bool, supervisor: Task<Void, any Error>
    ) {
        self.directory = directory
        self.configuration = configuration
        self.managed = managed
        self.client = client
        self.registry = registry
        self.networkName = networkName
        self.bridgeName = bridgeName
        self.hasNetwork = hasNetwork
        self.supervisor = supervisor
    }

    /// Starts a fixture, runs `body` with it and tears it down (also when `body` throws).
    static func with<T: Sendable>(network: Bool = false, images: Bool = false, _ body: (ContainerdFixture) async throws -> T) async throws -> T {
        let fixture = try await start(network: network, images: images)
        do {
            let result = try await body(fixture)
            await fixture.tearDown()
            return result
        } catch {
            await fixture.tearDown()
            throw error
        }
    }

    /// Starts containerd (and the registry when `images`), waiting until its socket answers.
    static func start(network: Bool, images: Bool) async throws -> ContainerdFixture {
        let directory = try HostTools.makeTemporaryDirectory("k3cri")
        let tag = String(UInt32.random(in: 0x1000_0000 ... .max), radix: 16)
        var configuration = ContainerdConfiguration(
            dataDirectory: directory, sandboxImage: pauseImage, socketPath: "\(directory)/containerd.sock",
            streamServerPort: try HostTools.freeLoopbackPort())
        configuration.stateDirectory = "\(directory)/state"
        let networkName = "k3s-test-\(tag)"
        let bridgeName = "k3t\(tag)"
        var registry: LocalRegistry?
        do {
            if network {
                try CNIConfiguration(podCIDR: podCIDR, networkName: networkName, bridgeName: bridgeName)
                    .write(toDirectory: configuration.cniConfDirectory)
            }
            if images {
                let started = try await LocalRegistry(directory: try makeDirectory("\(directory)/registry"))
                registry = started
                try await publishTestImages(to: started, layouts: "\(directory)/layouts")
                try writeMirrors(to: started, certsDirectory: configuration.registryConfigDirectory)
            }
        } catch {
            await registry?.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        var logger = Logger(label: "test.containerd")
        logger.logLevel = .warning
        let managed = ManagedContainerd(settings: .init(configuration: configuration, readinessTimeout: .seconds(60)), logger: logger)
        let supervisor = Task { try await managed.run() }
        let client = try CRIRuntimeClient(configuration: .init(socketPath: configuration.socketPath, eventPollInterval: .milliseconds(200)), logger: logger)
        let fixture = ContainerdFixture(
            directory: directory, configuration: configuration, managed: managed, client: client, registry: registry,
            networkName: networkName, bridgeName: bridgeName, hasNetwork: network, supervisor: supervisor)
        do {
            try await managed.waitUntilReady(timeout: .seconds(60))
        } catch {
            await fixture.tearDown()
            throw error
        }
        return fixture
    }

    /// Removes everything, in this order: every sandbox and container through CRI (stop, then
    /// remove: containerd tears down their network namespaces, CNI attachments and cgroups), the
    /// client's connection, containerd itself (`SIGTERM` through `ManagedContainerd`), any shim
    /// still naming this containerd's socket (`SIGKILL`), every mount under the temporary
    /// directory (lazy unmount, deepest first), the bridge, host-local's
    /// `/var/lib/cni/networks/NETWORK`, runc's `/run/containerd/runc/k8s.io/ID` of the fixture's
    /// containers, the registry process, and the temporary directory.
    func tearDown() async {
        var ids: [String] = []
        if let sandboxes = try? await client.listPodSandbox() {
            for sandbox in sandboxes {
                ids.append(sandbox.id)
                try? await client.stopPodSandbox(sandbox.id)
                try? await client.removePodSandbox(sandbox.id)
            }
        }
        if let containers = try? await client.listContainers() {
            for container in containers {
                ids.append(container.id)
                try? await client.removeContainer(container.id)
            }
        }
        await client.close()
        supervisor.cancel()
        _ = await supervisor.result
        for pid in HostTools.processes(withCommandLineContaining: configuration.socketPath) { kill(pid, SIGKILL) }
        for point in HostTools.mountPoints(under: directory) { umount2(point, Int32(MNT_DETACH)) }
        if hasNetwork {
            if FileManager.default.fileExists(atPath: "/sys/class/net/\(bridgeName)") {
                _ = try? await HostTools.run("/usr/sbin/ip", ["link", "delete", bridgeName])
            }
            try? FileManager.default.removeItem(atPath: "/var/lib/cni/networks/\(networkName)")
        }
        for id in ids where FileManager.default.fileExists(atPath: "/run/containerd/runc/k8s.io/\(id)") {
            try? FileManager.default.removeItem(atPath: "/run/containerd/runc/k8s.io/\(id)")
        }
        await registry?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func makeDirectory(_ path: String) throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Builds the pause image (from the package's `k3s-pause`) and the busybox image
    /// (ClusterTesting's `TestImages`) as OCI archives and pushes them under the names the tests use.
    private static func publishTestImages(to registry: LocalRegistry, layouts: String) async throws {
        try FileManager.default.createDirectory(atPath: layouts, withIntermediateDirectories: true)
        let images = [
            ("pause.tar", try PauseImage.archive(name: pauseImage)),
            ("busybox.tar", try TestImages.busybox(name: busyboxImage)),
        ]
        for (file, archive) in images {
            let path = "\(layouts)/\(file)"
            try archive.write(to: path)
            // The mirror serves `registry.k8s.io/NAME` as `NAME` on the local registry.
            let parsed = try ContainerImages.ImageReference(parsing: archive.name)
            try await registry.push(archive: path, as: "\(parsed.repository):\(parsed.tag ?? "latest")")
        }
    }

    /// Points `registry.k8s.io` and `docker.io` at the local registry only (no fallback to the
    /// internet: a missing image is a 404 at once).
    private static func writeMirrors(to registry: LocalRegistry, certsDirectory: String) throws {
        for host in ["registry.k8s.io", "docker.io"] {
            let hosts = """
                server = "http://\(registry.address)"

                [host."http://\(registry.address)"]
                  capabilities = ["pull", "resolve"]
                """
            try Data(hosts.utf8).write(to: URL(filePath: "\(try makeDirectory("\(certsDirectory)/\(host)"))/hosts.toml"))
        }
    }
}
