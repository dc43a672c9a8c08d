import Kubelet
import Testing

/// The behaviour every `RuntimeClient` must show, as named cases a test target runs against each
/// implementation (the fake runtime now, the containerd CRI client with the real node):
///
/// ```swift
/// @Test(arguments: RuntimeClientConformance.caseNames)
/// func conformance(name: String) async throws {
///     try await RuntimeClientConformance.run(name) {
///         FakeRuntimeClient(configuration: .init(missingImages: [RuntimeClientConformance.missingImage]))
///     }
/// }
/// ```
///
/// The runtime under test must accept ``podCIDR`` as its pod CIDR, be able to pull ``image`` (a
/// pause image: it runs until stopped) and ``shellImage`` (with `sh`, `echo` and `sleep`), answer
/// ``execSyncCommand`` with ``execSyncResult`` and lack ``missingImage``. The cases touch only objects
/// they create (every sandbox carries a label unique to the case) and remove their sandboxes
/// afterwards, so a runtime that already holds other pods can be tested. Failures are recorded
/// with `#expect`; waiting for events is bounded by deadlines.
public enum RuntimeClientConformance {
    /// Makes the runtime to test.
    public typealias RuntimeFactory = @Sendable () async throws -> any RuntimeClient

    typealias Case = @Sendable (Fixture) async throws -> Void

    /// The pod CIDR the cases push with `updateRuntimeConfig`.
    public static let podCIDR = "10.88.0.0/24"
    /// The image the cases run: a pause image, which runs until it is stopped.
    public static let image = "registry.k8s.io/pause:3.10"
    /// An image with a shell (`sh`, `echo`, `sleep`), for the cases that run commands.
    public static let shellImage = "docker.io/library/busybox:1.36"
    /// The command the exec cases run in a ``shellImage`` container: output on both streams and
    /// a non-zero exit code.
    public static let execSyncCommand = ["sh", "-c", "echo out; echo err >&2; exit 3"]
    /// What ``execSyncCommand`` gives.
    public static let execSyncResult = CRI.ExecSyncResult(stdout: Array("out\n".utf8), stderr: Array("err\n".utf8), exitCode: 3)
    /// An image the runtime's registry does not have (normalized form).
    public static let missingImage = "registry.k8s.io/k3s-swift-conformance/absent:0"
    /// The label key every sandbox of the suite carries (value: the case's run ID).
    public static let caseLabel = "conformance.k3s.io/case"

    /// The names of every case, in a stable order.
    public static var caseNames: [String] { cases.map(\.name) }

    static let cases: [(name: String, body: Case)] = runtimeCases + sandboxCases + containerCases + imageCases + streamingCases

    /// Runs the case called `name` against a runtime from `makeRuntime`, then removes the
    /// sandboxes (and so the containers) the case made.
    ///
    /// - Throws: whatever the case throws (including `DeadlineExceeded`), or ``UnknownCase``
    ///   for a name not in ``caseNames``.
    public static func run(_ name: String, makeRuntime: RuntimeFactory) async throws {
        guard let body = cases.first(where: { $0.name == name })?.body else { throw UnknownCase(name: name) }
        let fixture = Fixture(runtime: try await makeRuntime(), runID: "\(name)-\(UInt32.random(in: 0 ... .max))")
        do {
            try await body(fixture)
        } catch {
            await fixture.cleanUp()
            throw error
        }
        await fixture.cleanUp()
    }

    /// ``run(_:makeRuntime:)`` was given a name that is not a case.
    public struct UnknownCase: Error, CustomStringConvertible {
        /// The name asked for.
        public var name: String
        /// A readable message.
        public var description: String { "no runtime conformance case named \"\(name)\"" }
    }
}

extension RuntimeClientConformance {
    /// What a case works with: the runtime and the case's own labels and names.
    struct Fixture: Sendable {
        let runtime: any RuntimeClient
        /// Unique to this run of the case.
        let runID: String

        /// Labels that mark the case's sandboxes.
        var labels: [String: String] { [caseLabel: runID] }

        /// A sandbox configuration for pod `name` of this case.
        func sandboxConfig(_ name: String = "pod", hostNetwork: Bool = false, labels extra: [String: String] = [:]) -> CRI.PodSandboxConfig {
            CRI.PodSandboxConfig(
                metadata: CRI.PodSandboxMetadata(name: name, namespace: "conformance", uid: "\(runID)-\(name)"),
                labels: labels.merging(extra) { _, new in new }, annotations: ["conformance.k3s.io/note": name],
                hostNetwork: hostNetwork)
        }

        /// A container configuration running ``image`` until stopped.
        func containerConfig(_ name: String = "main", labels: [String: String] = [:]) -> CRI.ContainerConfig {
            CRI.ContainerConfig(
                metadata: CRI.ContainerMetadata(name: name), image: CRI.ImageSpec(image), labels: labels,
                annotations: [ContainerAnnotations.restartPolicy: "Always"])
        }

        /// Pushes the pod CIDR and runs a sandbox; returns its ID and configuration.
        func readySandbox(_ name: String = "pod", hostNetwork: Bool = false, labels: [String: String] = [:]) async throws -> (id: String, config: CRI.PodSandboxConfig) {
            try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: podCIDR))
            let config = sandboxConfig(name, hostNetwork: hostNetwork, labels: labels)
            return (try await runtime.runPodSandbox(config), config)
        }

        /// Pulls ``image`` and creates a container in `sandbox`; returns its ID.
        func createdContainer(
            in sandbox: (id: String, config: CRI.PodSandboxConfig), _ name: String = "main", labels: [String: String] = [:]
        ) async throws -> String {
            _ = try await runtime.pullImage(CRI.ImageSpec(image))
            return try await runtime.createContainer(inSandbox: sandbox.id, config: containerConfig(name, labels: labels), sandboxConfig: sandbox.config)
        }

        /// Pulls ``shellImage`` and starts a container of it in `sandbox` that runs until stopped
        /// (and stops at once on `SIGTERM`); returns its ID.
        func runningShellContainer(in sandbox: (id: String, config: CRI.PodSandboxConfig), _ name: String = "shell") async throws -> String {
            _ = try await runtime.pullImage(CRI.ImageSpec(shellImage))
            var config = containerConfig(name)
            config.image = CRI.ImageSpec(shellImage)
            config.command = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
            let id = try await runtime.createContainer(inSandbox: sandbox.id, config: config, sandboxConfig: sandbox.config)
            try await runtime.startContainer(id)
            return id
        }

        /// Creates and starts a container in `sandbox`; returns its ID.
        func runningContainer(in sandbox: (id: String, config: CRI.PodSandboxConfig), _ name: String = "main") async throws -> String {
            let id = try await createdContainer(in: sandbox, name)
            try await runtime.startContainer(id)
            return id
        }

        /// Removes every sandbox of this case.
        func cleanUp() async {
            let mine = (try? await runtime.listPodSandbox(CRI.PodSandboxFilter(labels: labels))) ?? []
            for sandbox in mine { try? await runtime.removePodSandbox(sandbox.id) }
        }
    }

    /// Runs `body` and checks that it throws a `RuntimeError` with `code`.
    static func expectError<T>(
        _ code: RuntimeError.Code, _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
    ) async {
        do {
            let result = try await body()
            Issue.record("\(what): expected \(code.rawValue), got \(result)", sourceLocation: sourceLocation)
        } catch let error as RuntimeError {
            #expect(error.code == code, "\(what): \(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(what): expected a RuntimeError, got \(error)", sourceLocation: sourceLocation)
        }
    }
}
