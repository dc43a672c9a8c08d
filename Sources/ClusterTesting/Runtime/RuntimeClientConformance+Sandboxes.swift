import Kubelet
import Testing

extension RuntimeClientConformance {
    static let runtimeCases: [(name: String, body: Case)] = [
        ("versionAndReadiness", versionAndReadiness),
        ("networkIsReadyWithAPodCIDR", networkIsReadyWithAPodCIDR),
        ("malformedPodCIDRIsRejected", malformedPodCIDRIsRejected),
    ]

    static let sandboxCases: [(name: String, body: Case)] = [
        ("runSandboxIsReadyWithAPodIP", runSandboxIsReadyWithAPodIP),
        ("hostNetworkSandboxHasNoPodIP", hostNetworkSandboxHasNoPodIP),
        ("sandboxNeedsNameAndUID", sandboxNeedsNameAndUID),
        ("stopSandboxIsIdempotent", stopSandboxIsIdempotent),
        ("stopSandboxKillsItsContainers", stopSandboxKillsItsContainers),
        ("removeSandboxIsIdempotentAndTakesItsContainers", removeSandboxIsIdempotentAndTakesItsContainers),
        ("listSandboxesFilters", listSandboxesFilters),
        ("missingSandboxStatusIsNotFound", missingSandboxStatusIsNotFound),
    ]

    static func versionAndReadiness(_ fixture: Fixture) async throws {
        let version = try await fixture.runtime.version()
        #expect(!version.runtimeName.isEmpty)
        #expect(!version.runtimeVersion.isEmpty)
        #expect(version.runtimeAPIVersion == "v1")
        #expect(try await fixture.runtime.status().holds("RuntimeReady"))
    }

    static func networkIsReadyWithAPodCIDR(_ fixture: Fixture) async throws {
        try await fixture.runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: podCIDR))
        #expect(try await fixture.runtime.status().holds("NetworkReady"))
        // Pushing the same CIDR again changes nothing.
        try await fixture.runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: podCIDR))
        #expect(try await fixture.runtime.status().holds("NetworkReady"))
    }

    static func malformedPodCIDRIsRejected(_ fixture: Fixture) async throws {
        for cidr in ["10.88.0.0/33", "10.88.0.300/24", "not a cidr"] {
            await expectError(.invalidArgument, "pod CIDR \(cidr)") {
                try await fixture.runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: cidr))
            }
        }
    }

    static func runSandboxIsReadyWithAPodIP(_ fixture: Fixture) async throws {
        let sandbox = try await fixture.readySandbox()
        let status = try await fixture.runtime.podSandboxStatus(sandbox.id)
        #expect(status.sandbox.id == sandbox.id)
        #expect(status.sandbox.state == .ready)
        #expect(status.sandbox.metadata == sandbox.config.metadata)
        #expect(status.sandbox.labels == sandbox.config.labels)
        #expect(status.sandbox.annotations == sandbox.config.annotations)
        #expect(status.sandbox.createdAt > 0)
        let ip = try #require(status.ip, "a sandbox with its own network has a pod IP")
        #expect(ip.hasPrefix("10.88.0."), "\(ip) lies in \(podCIDR)")
        let other = try await fixture.readySandbox("other")
        #expect(try await fixture.runtime.podSandboxStatus(other.id).ip != ip, "two live sandboxes never share an IP")
        let listed = try await fixture.runtime.listPodSandbox(CRI.PodSandboxFilter(labels: fixture.labels))
        #expect(listed.map(\.id) == [sandbox.id, other.id], "oldest first")
    }

    static func hostNetworkSandboxHasNoPodIP(_ fixture: Fixture) async throws {
        let sandbox = try await fixture.readySandbox(hostNetwork: true)
        let status = try await fixture.runtime.podSandboxStatus(sandbox.id)
        #expect(status.sandbox.state == .ready)
        #expect(status.ip == nil)
    }

    static func sandboxNeedsNameAndUID(_ fixture: Fixture) async throws {
        try await fixture.runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: podCIDR))
        var noName = fixture.sandboxConfig()
        noName.metadata.name = ""
        await expectError(.invalidArgument, "sandbox without a name") { try await fixture.runtime.runPodSandbox(noName) }
        var noUID = fixture.sandboxConfig()
        noUID.metadata.uid = ""
        await expectError(.invalidArgument, "sandbox without a UID") { try await fixture.runtime.runPodSandbox(noUID) }
        #expect(try await fixture.runtime.listPodSandbox(CRI.PodSandboxFilter(labels: fixture.labels)).isEmpty)
    }

    static func stopSandboxIsIdempotent(_ fixture: Fixture) async throws {
        let sandbox = try await fixture.readySandbox()
        try await fixture.runtime.stopPodSandbox(sandbox.id)
        #expect(try await fixture.runtime.podSandboxStatus(sandbox.id).sandbox.state == .notReady)
        try await fixture.runtime.stopPodSandbox(sandbox.id)
        #expect(try await fixture.runtime.podSandboxStatus(sandbox.id).sandbox.state == .notReady)
        // A removed (unknown) sandbox has nothing left to release: stopping it succeeds.
        try await fixture.runtime.removePodSandbox(sandbox.id)
        try await fixture.runtime.stopPodSandbox(sandbox.id)
    }

    static func stopSandboxKillsItsContainers(_ fixture: Fixture) async throws {
        let sandbox = try await fixture.readySandbox()
        let container = try await fixture.runningContainer(in: sandbox)
        try await fixture.runtime.stopPodSandbox(sandbox.id)
        let status = try await fixture.runtime.containerStatus(container)
        #expect(status.container.state == .exited)
        #expect(status.finishedAt >= status.startedAt)
        await expectError(.failedPrecondition, "a container in a stopped sandbox") {
            try await fixture.createdContainer(in: sandbox, "late")
        }
    }

    static func removeSandboxIsIdempotentAndTakesItsContainers(_ fixture: Fixture) async throws {
        let sandbox = try await fixture.readySandbox()
        let container = try await fixture.runningContainer(in: sandbox)
        try await fixture.runtime.removePodSandbox(sandbox.id)
        await expectError(.notFound, "status of a removed sandbox") { try await fixture.runtime.podSandboxStatus(sandbox.id) }
        await expectError(.notFound, "status of a container of a removed sandbox") { try await fixture.runtime.containerStatus(container) }
        #expect(try await fixture.runtime.listPodSandbox(CRI.PodSandboxFilter(id: sandbox.id)).isEmpty)
        #expect(try await fixture.runtime.listContainers(CRI.ContainerFilter(podSandboxID: sandbox.id)).isEmpty)
        try await fixture.runtime.removePodSandbox(sandbox.id)
        try await fixture.runtime.removePodSandbox("\(fixture.runID)-never-existed")
    }

    static func listSandboxesFilters(_ fixture: Fixture) async throws {
        let first = try await fixture.readySandbox("a", labels: ["tier": "web"])
        let second = try await fixture.readySandbox("b", labels: ["tier": "db"])
        try await fixture.runtime.stopPodSandbox(second.id)
        let runtime = fixture.runtime
        #expect(try await runtime.listPodSandbox(CRI.PodSandboxFilter(labels: fixture.labels)).map(\.id) == [first.id, second.id])
        #expect(try await runtime.listPodSandbox(CRI.PodSandboxFilter(id: first.id)).map(\.id) == [first.id])
        #expect(try await runtime.listPodSandbox(CRI.PodSandboxFilter(state: .notReady, labels: fixture.labels)).map(\.id) == [second.id])
        #expect(try await runtime.listPodSandbox(CRI.PodSandboxFilter(labels: fixture.labels.merging(["tier": "web"]) { $1 })).map(\.id) == [first.id])
        #expect(try await runtime.listPodSandbox(CRI.PodSandboxFilter(labels: fixture.labels.merging(["tier": "cache"]) { $1 })).isEmpty)
        #expect(try await runtime.listPodSandbox().map(\.id).contains(first.id), "no filter lists every sandbox")
    }

    static func missingSandboxStatusIsNotFound(_ fixture: Fixture) async throws {
        await expectError(.notFound, "status of an unknown sandbox") {
            try await fixture.runtime.podSandboxStatus("\(fixture.runID)-never-existed")
        }
        #expect(try await fixture.runtime.listPodSandbox(CRI.PodSandboxFilter(id: "\(fixture.runID)-never-existed")).isEmpty)
    }
}
