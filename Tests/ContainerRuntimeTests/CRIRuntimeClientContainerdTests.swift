import ClusterTesting
@testable import ContainerRuntime
import Kubelet
import Testing

/// `CRIRuntimeClient` against a real containerd (root and containerd needed).
@Suite("CRIRuntimeClient on containerd", .enabled(if: HostTools.canRunContainerd, "needs root, containerd, runc, CNI plugins, skopeo and docker-registry"))
struct CRIRuntimeClientContainerdTests {
    /// Every conformance case, one after another on one containerd (they share its images and
    /// its pod network, which a case may change: the image cases remove the pause image).
    @Test func conformance() async throws {
        try await ContainerdFixture.with(network: true, images: true) { fixture in
            for name in RuntimeClientConformance.caseNames {
                do {
                    try await RuntimeClientConformance.run(name) { fixture.client }
                } catch {
                    Issue.record("conformance case \(name): \(error)")
                }
            }
        }
    }

    /// More than 10,000 calls on one HTTP/2 connection: containerd's Go server ends every call
    /// with frames swift-nio-http2 would count against a limit of 200 (see `CRIRuntimeClient`),
    /// so a client that does not account for them loses its connection after about 200 calls.
    @Test func tenThousandCallsOnOneConnection() async throws {
        try await ContainerdFixture.with { fixture in
            let client = fixture.client
            _ = try await client.version()
            let calls = 10_500
            let clock = ContinuousClock()
            let started = clock.now
            for index in 0..<calls {
                if index % 2 == 0 {
                    _ = try await client.version()
                } else {
                    _ = try await client.listContainers()
                }
            }
            let elapsed = clock.now - started
            #expect(client.connectionsOpened == 1, "every call went over the first connection")
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("CRI calls on one connection: \(calls) in \(elapsed), \(Int(Double(calls) / seconds)) calls/s; containerd sent \(client.pingsAnswered) PINGs, answered below swift-nio-http2")
            #expect(client.pingsAnswered > 200, "containerd pings often enough that swift-nio-http2 alone would have closed the connection")
        }
    }

    /// The control: with containerd's PINGs left to swift-nio-http2, the connection is closed
    /// (GOAWAY `ENHANCE_YOUR_CALM`) after about 200 calls, well before 2,000.
    @Test func withoutAnsweringPingsTheConnectionDies() async throws {
        try await ContainerdFixture.with { fixture in
            var configuration = CRIRuntimeClient.Configuration(socketPath: fixture.configuration.socketPath)
            configuration.answersPings = false
            let client = try CRIRuntimeClient(configuration: configuration)
            var failedAt: Int?
            for index in 0..<2_000 where failedAt == nil {
                do {
                    _ = try await client.version()
                } catch {
                    failedAt = index
                }
            }
            let lost = failedAt != nil || client.connectionsOpened > 1
            await client.close()
            #expect(lost, "the connection survived 2,000 calls without the PING responder")
            print("without the PING responder: first failed call \(failedAt.map(String.init) ?? "none"), connections \(client.connectionsOpened)")
        }
    }
}
