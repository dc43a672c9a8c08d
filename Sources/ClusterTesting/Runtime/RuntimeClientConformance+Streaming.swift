import Kubelet
import Testing

extension RuntimeClientConformance {
    static let streamingCases: [(name: String, body: Case)] = [
        ("execSyncGivesOutputAndExitCode", execSyncGivesOutputAndExitCode),
        ("execSyncNeedsARunningContainer", execSyncNeedsARunningContainer),
        ("streamingNeedsARunningContainer", streamingNeedsARunningContainer),
        ("containerStatsCoverRunningContainers", containerStatsCoverRunningContainers),
    ]

    static func execSyncGivesOutputAndExitCode(_ fixture: Fixture) async throws {
        let sandbox = try await fixture.readySandbox()
        let id = try await fixture.runningShellContainer(in: sandbox)
        let result = try await fixture.runtime.execSync(containerID: id, command: execSyncCommand, timeout: .seconds(30))
        #expect(result == execSyncResult, "stdout \(String(decoding: result.stdout, as: UTF8.self)), stderr \(String(decoding: result.stderr, as: UTF8.self))")
        await expectError(.invalidArgument, "an empty command") {
            try await fixture.runtime.execSync(containerID: id, command: [], timeout: .seconds(30))
        }
    }

    static func execSyncNeedsARunningContainer(_ fixture: Fixture) async throws {
        let runtime = fixture.runtime
        await expectError(.notFound, "exec in an unknown container") {
            try await runtime.execSync(containerID: "\(fixture.runID)-never-existed", command: ["true"], timeout: .seconds(10))
        }
        let sandbox = try await fixture.readySandbox()
        let created = try await fixture.createdContainer(in: sandbox)
        await expectError(.failedPrecondition, "exec in a created container") {
            try await runtime.execSync(containerID: created, command: ["true"], timeout: .seconds(10))
        }
    }

    /// `exec`, `attach` and `portForward` give a URL of the runtime's streaming server, or
    /// `.unimplemented` from a runtime that cannot stream; either way only for objects that exist.
    static func streamingNeedsARunningContainer(_ fixture: Fixture) async throws {
        let runtime = fixture.runtime
        let sandbox = try await fixture.readySandbox()
        let id = try await fixture.runningShellContainer(in: sandbox)
        try await expectStreamingURL("exec") { try await runtime.exec(CRI.ExecRequest(containerID: id, command: ["sh"], stdin: true)) }
        try await expectStreamingURL("attach") { try await runtime.attach(CRI.AttachRequest(containerID: id)) }
        try await expectStreamingURL("port-forward") { try await runtime.portForward(sandboxID: sandbox.id, ports: [80]) }
        let missing = "\(fixture.runID)-never-existed"
        await expectError(.notFound, "exec in an unknown container") { try await runtime.exec(CRI.ExecRequest(containerID: missing, command: ["sh"])) }
        await expectError(.notFound, "attach to an unknown container") { try await runtime.attach(CRI.AttachRequest(containerID: missing)) }
        await expectError(.invalidArgument, "exec of an empty command") { try await runtime.exec(CRI.ExecRequest(containerID: id, command: [])) }
        try await runtime.stopContainer(id, timeout: .seconds(10))
        await expectError(.failedPrecondition, "exec in an exited container") { try await runtime.exec(CRI.ExecRequest(containerID: id, command: ["sh"])) }
    }

    static func containerStatsCoverRunningContainers(_ fixture: Fixture) async throws {
        let runtime = fixture.runtime
        let sandbox = try await fixture.readySandbox()
        let running = try await fixture.runningContainer(in: sandbox, "web")
        _ = try await fixture.createdContainer(in: sandbox, "sidecar")
        let stats = try await runtime.containerStats(CRI.ContainerFilter(podSandboxID: sandbox.id))
        #expect(stats.map(\.containerID) == [running], "only running containers have figures")
        let figures = try #require(stats.first)
        #expect(figures.podSandboxID == sandbox.id)
        #expect(figures.metadata == CRI.ContainerMetadata(name: "web"))
        #expect(figures.timestamp > 0)
        #expect(try await runtime.containerStats(CRI.ContainerFilter(id: "\(fixture.runID)-never-existed")).isEmpty)
    }

    /// Runs `body` and checks that it gives an HTTP(S) URL or throws `.unimplemented`.
    private static func expectStreamingURL(
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> String
    ) async throws {
        do {
            let url = try await body()
            #expect(url.hasPrefix("http://") || url.hasPrefix("https://"), "\(what): \(url)", sourceLocation: sourceLocation)
        } catch let error as RuntimeError where error.code == .unimplemented {
            return
        }
    }
}
