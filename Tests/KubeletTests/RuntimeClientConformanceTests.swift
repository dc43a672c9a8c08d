import ClusterTesting
import Testing
import Kubelet

/// `FakeRuntimeClient` passes the conformance suite every `RuntimeClient` must pass.
@Suite("RuntimeClient conformance")
struct RuntimeClientConformanceTests {
    @Test(arguments: RuntimeClientConformance.caseNames)
    func fakeRuntime(name: String) async throws {
        try await RuntimeClientConformance.run(name) {
            FakeRuntimeClient(configuration: .init(missingImages: [RuntimeClientConformance.missingImage]))
        }
    }

    @Test func unknownCaseNameIsReported() async throws {
        await #expect(throws: RuntimeClientConformance.UnknownCase.self) {
            try await RuntimeClientConformance.run("no such case") { FakeRuntimeClient() }
        }
    }
}
