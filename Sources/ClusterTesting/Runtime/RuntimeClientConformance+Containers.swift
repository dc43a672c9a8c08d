import Kubelet
import Testing

extension RuntimeClientConformance {
    static let containerCases: [(name: String, body: Case)] = [
        ("containerLifecycle", containerLifecycle),
        ("createContainerNeedsAReadySandboxAndThePulledImage", createContainerNeedsAReadySandboxAndThePulledImage),
        ("startingTwiceFails", startingTwiceFails),
        ("missingContainerErrors", missingContainerErrors),
        ("listContainersFilters", listContainersFilters),
        ("containerStatusesOfASandbox", containerStatusesOfASandbox),
        ("containerEventsFollowTheLifecycle", containerEventsFollowTheLifecycle),
    ]

    static func containerLifecycle(_ fixture: Fixture) async throws {
        let runtime = fixture.runtime
        let sandbox = try await fixture.readySandbox()
        let id = try await fixture.createdContainer(in: sandbox, labels: ["role": "app"])
        let created = try await runtime.containerStatus(id)
        #expect(created.container.id == id)
        #expect(created.container.podSandboxID == sandbox.id)
        #expect(created.container.metadata == CRI.ContainerMetadata(name: "main"))
        #expect(created.container.state == .created)
        #expect(created.container.labels == ["role": "app"])
        #expect(created.container.createdAt > 0)
        #expect(created.startedAt == 0)
        #expect(!created.container.imageRef.isEmpty)

        try await runtime.startContainer(id)
        let running = try await runtime.containerStatus(id)
        #expect(running.container.state == .running)
        #expect(running.startedAt >= created.container.createdAt)
        #expect(running.finishedAt == 0)

        try await runtime.stopContainer(id, timeout: .seconds(10))
        let exited = try await runtime.containerStatus(id)
        #expect(exited.container.state == .exited)
        #expect(exited.finishedAt >= exited.startedAt)
        try await runtime.stopContainer(id, timeout: .seconds(10))  // idempotent
        #expect(try await runtime.containerStatus(id).container.state == .exited)

        try await runtime.removeContainer(id)
        await expectError(.notFound, "status of a removed container") { try await runtime.containerStatus(id) }
        try await runtime.removeContainer(id)  // idempotent
        #expect(try await runtime.podSandboxStatus(sandbox.id).sandbox.state == .ready, "the sandbox outlives its containers")
    }

    static func createContainerNeedsAReadySandboxAndThePulledImage(_ fixture: Fixture) async throws {
        let runtime = fixture.runtime
        let sandbox = try await fixture.readySandbox()
        await expectError(.notFound, "a container in an unknown sandbox") {
            try await runtime.createContainer(
                inSandbox: "\(fixture.runID)-never-existed", config: fixture.containerConfig(), sandboxConfig: sandbox.config)
        }
        try await runtime.removeImage(CRI.ImageSpec(image))
        await expectError(.failedPrecondition, "a container whose image is not present") {
            try await runtime.createContainer(inSandbox: sandbox.id, config: fixture.containerConfig(), sandboxConfig: sandbox.config)
        }
        _ = try await runtime.pullImage(CRI.ImageSpec(image))
        var unnamed = fixture.containerConfig()
        unnamed.metadata.name = ""
        await expectError(.invalidArgument, "a container without a name") {
            try await runtime.createContainer(inSandbox: sandbox.id, config: unnamed, sandboxConfig: sandbox.config)
        }
        #expect(try await runtime.listContainers(CRI.ContainerFilter(podSandboxID: sandbox.id)).isEmpty, "failed creates leave nothing")
        _ = try await fixture.createdContainer(in: sandbox)
    }

    static func startingTwiceFails(_ fixture: Fixture) async throws {
        let sandbox = try await fixture.readySandbox()
        let id = try await fixture.runningContainer(in: sandbox)
        await expectError(.failedPrecondition, "starting a running container") { try await fixture.runtime.startContainer(id) }
        try await fixture.runtime.stopContainer(id, timeout: .seconds(10))
        await expectError(.failedPrecondition, "starting an exited container") { try await fixture.runtime.startContainer(id) }
    }

    static func missingContainerErrors(_ fixture: Fixture) async throws {
        let runtime = fixture.runtime
        let missing = "\(fixture.runID)-never-existed"
        await expectError(.notFound, "status of an unknown container") { try await runtime.containerStatus(missing) }
        await expectError(.notFound, "starting an unknown container") { try await runtime.startContainer(missing) }
        await expectError(.notFound, "stopping an unknown container") { try await runtime.stopContainer(missing, timeout: .seconds(1)) }
        try await runtime.removeContainer(missing)
        #expect(try await runtime.listContainers(CRI.ContainerFilter(id: missing)).isEmpty)
    }

    static func listContainersFilters(_ fixture: Fixture) async throws {
        let runtime = fixture.runtime
        let first = try await fixture.readySandbox("a")
        let second = try await fixture.readySandbox("b")
        let running = try await fixture.runningContainer(in: first, "web")
        let created = try await fixture.createdContainer(in: first, "sidecar", labels: ["role": "helper"])
        let other = try await fixture.runningContainer(in: second, "db")
        #expect(try await runtime.listContainers(CRI.ContainerFilter(podSandboxID: first.id)).map(\.id) == [running, created], "oldest first")
        #expect(try await runtime.listContainers(CRI.ContainerFilter(podSandboxID: second.id)).map(\.id) == [other])
        #expect(try await runtime.listContainers(CRI.ContainerFilter(id: created)).map(\.id) == [created])
        #expect(try await runtime.listContainers(CRI.ContainerFilter(podSandboxID: first.id, state: .created)).map(\.id) == [created])
        #expect(try await runtime.listContainers(CRI.ContainerFilter(podSandboxID: first.id, labels: ["role": "helper"])).map(\.id) == [created])
        let all = try await runtime.listContainers().map(\.id)
        #expect([running, created, other].allSatisfy(all.contains), "no filter lists every container")
    }

    static func containerStatusesOfASandbox(_ fixture: Fixture) async throws {
        let runtime = fixture.runtime
        let sandbox = try await fixture.readySandbox()
        let first = try await fixture.runningContainer(in: sandbox, "web")
        let second = try await fixture.createdContainer(in: sandbox, "sidecar")
        let statuses = try await runtime.containerStatuses(inSandbox: sandbox.id)
        #expect(statuses.map(\.container.id) == [first, second])
        #expect(statuses == [try await runtime.containerStatus(first), try await runtime.containerStatus(second)])
        #expect(try await runtime.containerStatuses(inSandbox: "\(fixture.runID)-never-existed").isEmpty)
        let empty = try await fixture.readySandbox("empty")
        #expect(try await runtime.containerStatuses(inSandbox: empty.id).isEmpty)
    }

    static func containerEventsFollowTheLifecycle(_ fixture: Fixture) async throws {
        let runtime = fixture.runtime
        let sandbox = try await fixture.readySandbox()
        let events = runtime.containerEvents()
        let id = try await fixture.runningContainer(in: sandbox)
        try await runtime.stopContainer(id, timeout: .seconds(10))
        try await runtime.removeContainer(id)
        let seen = try await withDeadline(.seconds(30), "the container's four events") {
            var seen: [CRI.ContainerEvent] = []
            for await event in events where event.containerID == id {
                seen.append(event)
                if event.type == .deleted { break }
            }
            return seen
        }
        #expect(seen.map(\.type) == [.created, .started, .stopped, .deleted])
        #expect(seen.allSatisfy { $0.podSandboxID == sandbox.id && $0.pod == sandbox.config.metadata })
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.createdAt <= $1.createdAt }, "events come in order")
    }
}
