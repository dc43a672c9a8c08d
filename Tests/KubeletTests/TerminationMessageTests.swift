#if canImport(Glibc)
import Glibc
#endif
import KubeAPI
import Testing
@testable import Kubelet

@Suite("Termination messages: files, log tails and the status")
struct TerminationMessageTests {
    /// A fresh temporary directory, removed by `body`'s end.
    func withDirectory(_ body: (String) throws -> Void) throws {
        var template = Array("/tmp/k3s-termination-XXXXXX".utf8CString)
        let path = try template.withUnsafeMutableBufferPointer { buffer -> String in
            guard let result = mkdtemp(buffer.baseAddress!) else { throw TestFailure("mkdtemp failed") }
            return String(cString: result)
        }
        defer { try? NodeFiles.removeTree(path) }
        try body(path)
    }

    @Test func theAttemptsFileIsReadAndCut() throws {
        try withDirectory { root in
            try NodeFiles.makeDirectory("\(root)/uid-1/containers/main")
            try NodeFiles.write(Array("disk full\n".utf8), to: "\(root)/uid-1/containers/main/2", mode: 0o644)
            try NodeFiles.write([], to: "\(root)/uid-1/containers/main/3", mode: 0o644)
            let reader = HostTerminationMessageReader(podsDirectory: root)
            #expect(reader.terminationMessage(podUID: "uid-1", containerName: "main", containerID: "c", attempt: 2, limit: 4096) == "disk full\n")
            #expect(reader.terminationMessage(podUID: "uid-1", containerName: "main", containerID: "c", attempt: 2, limit: 4) == "disk")
            #expect(reader.terminationMessage(podUID: "uid-1", containerName: "main", containerID: "c", attempt: 3, limit: 4096) == nil)
            #expect(reader.terminationMessage(podUID: "uid-1", containerName: "main", containerID: "c", attempt: 4, limit: 4096) == nil)
        }
    }

    @Test func theLogTailJoinsPartialLinesAndKeepsTheLastOnes() throws {
        try withDirectory { root in
            let log = """
                2026-12-07T09:00:00.000000001Z stdout F starting
                2026-12-07T09:00:01.000000001Z stderr P panic: 
                2026-12-07T09:00:01.000000002Z stderr F out of memory
                2026-12-07T09:00:02.000000001Z stdout F 
                2026-12-07T09:00:03.000000001Z stderr F exit 3

                """
            try NodeFiles.write(Array(log.utf8), to: "\(root)/0.log", mode: 0o644)
            let reader = HostTerminationMessageReader(podsDirectory: root)
            #expect(reader.logTail(path: "\(root)/0.log", lines: 80, bytes: 2048) == "starting\npanic: out of memory\n\nexit 3\n")
            #expect(reader.logTail(path: "\(root)/0.log", lines: 2, bytes: 2048) == "\nexit 3\n")
            #expect(reader.logTail(path: "\(root)/0.log", lines: 80, bytes: 7) == "\nexit 3\n".suffix(7).description)
            #expect(reader.logTail(path: "\(root)/missing.log", lines: 80, bytes: 2048) == nil)
        }
    }

    @Test func theStatusShowsTheMessageAfterTheRuntimes() {
        var pod = makePod(restartPolicy: "Never")
        pod.status?.phase = "Running"
        var exited = runtimeContainer("main", state: .exited, started: 100, finished: 110, exitCode: 3, id: "c1")
        exited.message = "runtime says"
        let view = PodRuntimeView(sandbox: readySandbox(), containers: [exited])
        let builder = PodStatusBuilder(hostIPs: ["10.0.0.5"])
        let plan = PodSyncPlan.compute(pod: pod, runtime: view, backoff: RestartBackoff(), now: 111 * second)
        let status = builder.status(for: pod, runtime: view, plan: plan, messages: ["c1": "disk full"], now: Time(secondsSinceEpoch: 111))
        let terminated = status.containerStatuses?.first?.state?.terminated
        #expect(terminated?.message == "runtime says: disk full")
        #expect(terminated?.exitCode == 3)
        #expect(terminated?.reason == "Error")
        #expect(terminated?.containerID == "containerd://c1")
    }

    @Test func probeHealthDecidesReadyAndStarted() {
        let pod = makePod()
        let running = runtimeContainer("main", state: .running, id: "c1")
        let view = PodRuntimeView(sandbox: readySandbox(), containers: [running])
        let builder = PodStatusBuilder(hostIPs: ["10.0.0.5"])
        let plan = PodSyncPlan.compute(pod: pod, runtime: view, backoff: RestartBackoff(), now: 101 * second)
        let unready = builder.status(
            for: pod, runtime: view, plan: plan, health: ["c1": ContainerHealth(started: true, ready: false)], now: Time(secondsSinceEpoch: 101))
        #expect(unready.containerStatuses?.first?.ready == false)
        #expect(unready.containerStatuses?.first?.started == true)
        #expect(unready.conditions?.first { $0.type == "Ready" }?.status == "False")
        #expect(unready.conditions?.first { $0.type == "ContainersReady" }?.message == "containers with unready status: [main]")
        #expect(unready.phase == "Running")
        let starting = builder.status(
            for: pod, runtime: view, plan: plan, health: ["c1": ContainerHealth(started: false, ready: false)], now: Time(secondsSinceEpoch: 101))
        #expect(starting.containerStatuses?.first?.started == false)
        let ready = builder.status(
            for: pod, runtime: view, plan: plan, health: ["c1": ContainerHealth(started: true, ready: true)], now: Time(secondsSinceEpoch: 101))
        #expect(ready.conditions?.first { $0.type == "Ready" }?.status == "True")
    }

    @Test func goDurationsReadAsGoPrintsThem() {
        #expect(Kubelet.goDuration(.zero) == "0s")
        #expect(Kubelet.goDuration(.milliseconds(512)) == "512ms")
        #expect(Kubelet.goDuration(.milliseconds(1200)) == "1.2s")
        #expect(Kubelet.goDuration(.milliseconds(1234)) == "1.234s")
        #expect(Kubelet.goDuration(.seconds(123.5)) == "2m3.5s")
        #expect(Kubelet.goDuration(.seconds(120)) == "2m0s")
        #expect(Kubelet.goDuration(.seconds(3725)) == "1h2m5s")
    }
}
