import ClusterTesting
import Testing
import Kubelet

/// `FakeRuntimeClient` passes the conformance suite every `RuntimeClient` must pass.
@Suite("RuntimeClient conformance")
struct RuntimeClientConformanceTests {
    @Test(arguments: RuntimeClientConformance.caseNames)
    func fakeRuntime(name: String) async throws {
        try await RuntimeClientConformance.run(name) {
            FakeRuntimeClient(configuration: .init(missingImages: [RuntimeClientConformance.missingImage]) { _, _, command in
                command == RuntimeClientConformance.execSyncCommand ? RuntimeClientConformance.execSyncResult : CRI.ExecSyncResult()
            })
        }
    }

    @Test func unknownCaseNameIsReported() async throws {
        await #expect(throws: RuntimeClientConformance.UnknownCase.self) {
            try await RuntimeClientConformance.run("no such case") { FakeRuntimeClient() }
        }
    }
}
