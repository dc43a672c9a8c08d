import ClusterTesting
import ContainerRuntime
import FoundationEssentials
import Kubelet
import Testing

/// What `CRIRuntimeClient` maps beyond the conformance suite, on a real containerd: environment,
/// log files, exit reasons and commands that cannot start.
@Suite("CRIRuntimeClient container details", .enabled(if: HostTools.canRunContainerd, "needs root, containerd, runc, skopeo and docker-registry"))
struct CRIContainerDetailsTests {
    @Test func environmentLogsReasonsAndMissingCommands() async throws {
        try await ContainerdFixture.with(images: true) { fixture in
            let client = fixture.client
            let logDirectory = "\(fixture.directory)/pod-logs"
            let sandboxConfig = CRI.PodSandboxConfig(
                metadata: CRI.PodSandboxMetadata(name: "details", namespace: "test", uid: "details-uid"), hostNetwork: true,
                logDirectory: logDirectory)
            let sandbox = try await client.runPodSandbox(sandboxConfig)
            let image = CRI.ImageSpec(ContainerdFixture.busyboxImage)
            _ = try await client.pullImage(image)
            func run(_ name: String, _ script: String, resources: CRI.LinuxResources = CRI.LinuxResources()) async throws -> String {
                let id = try await client.createContainer(
                    inSandbox: sandbox,
                    config: CRI.ContainerConfig(
                        metadata: CRI.ContainerMetadata(name: name), image: image, command: ["sh", "-c", script],
                        environment: [(name: "GREETING", value: "grüezi wohl"), (name: "EMPTY", value: "")],
                        logPath: "\(name)/0.log", resources: resources),
                    sandboxConfig: sandboxConfig)
                try await client.startContainer(id)
                return id
            }
            func exited(_ id: String) async throws -> CRI.ContainerStatus {
                try await eventually("container \(id) exits", timeout: .seconds(60), interval: .milliseconds(50)) {
                    let status = try await client.containerStatus(id)
                    return status.container.state == .exited ? status : nil
                }
            }

            let done = try await run("done", #"echo "greeting=$GREETING""#)
            let completed = try await exited(done)
            #expect(completed.exitCode == 0)
            #expect(completed.reason == "Completed")
            #expect(completed.logPath == "\(logDirectory)/done/0.log")
            let log = String(decoding: FileManager.default.contents(atPath: completed.logPath) ?? Data(), as: UTF8.self)
            #expect(log.contains("stdout F greeting=grüezi wohl"), "CRI log line with the UTF-8 environment value: \(log)")

            let failing = try await exited(try await run("failing", "exit 7"))
            #expect(failing.exitCode == 7)
            #expect(failing.reason == "Error")

            let hungry = try await exited(try await run(
                "hungry", "x=0123456789abcdef; while :; do x=$x$x; done", resources: CRI.LinuxResources(memoryLimitInBytes: 32 << 20)))
            #expect(hungry.reason == "OOMKilled", "exit \(hungry.exitCode), reason \(hungry.reason)")

            let sleeper = try await run("sleeper", "trap 'exit 0' TERM; sleep 3600 & wait")
            let env = try await client.execSync(containerID: sleeper, command: ["env"], timeout: .seconds(10))
            #expect(String(decoding: env.stdout, as: UTF8.self).contains("GREETING=grüezi wohl"))
            let missing = try await client.execSync(containerID: sleeper, command: ["/no/such/command"], timeout: .seconds(10))
            #expect([126, 127].contains(missing.exitCode), "a command that cannot start: \(missing.exitCode) \(String(decoding: missing.stderr, as: UTF8.self))")
            do {
                let result = try await client.execSync(containerID: sleeper, command: ["sleep", "30"], timeout: .seconds(1))
                Issue.record("a command past its timeout returned \(result.exitCode)")
            } catch let error as RuntimeError {
                #expect(error.code == .deadlineExceeded, "\(error)")
            }
        }
    }
}
