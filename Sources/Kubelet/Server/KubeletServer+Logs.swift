import KubeAPI

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension KubeletServer {
    /// `GET /containerLogs/{namespace}/{pod}/{container}`.
    func serveLogs(_ request: KubeletRequest, _ exchange: KubeletExchange) async throws {
        let options = try ContainerLogOptions(query: request.query)
        let (pod, name) = try containerTarget(request)
        let podName = pod.metadata.name ?? ""
        let attempts = try await attempts(of: name, in: pod)
        let chosen: CRI.ContainerStatus
        if options.previous {
            guard attempts.count >= 2 else {
                throw StatusError.badRequest("previous terminated container \"\(name)\" in pod \"\(podName)\" not found")
            }
            chosen = attempts[attempts.count - 2]
        } else {
            guard let last = attempts.last else {
                throw StatusError.badRequest("container \"\(name)\" in pod \"\(podName)\" is waiting to start: ContainerCreating")
            }
            chosen = last
        }
        let headers: [(String, String)] = [("content-type", "text/plain; charset=utf-8")]
        guard !chosen.logPath.isEmpty else {
            // The runtime keeps no log for it (hollow containers): an empty log.
            await exchange.send(KubeletResponse(status: .ok, headers: .init(headers), body: []))
            return
        }
        let running = chosen.container.state == .running && !options.previous
        let (exited, watchTask) = exitSignal(containerID: chosen.container.id, running: running && options.follow)
        defer { watchTask?.cancel() }
        var started = false
        do {
            try await logs.stream(path: chosen.logPath, options: options, now: MicroTime(Date()), exited: exited) { chunk in
                if !started {
                    try await exchange.startStream(headers: .init(headers))
                    started = true
                }
                try await exchange.write(chunk)
            }
        } catch let error as ContainerLogError {
            throw StatusError.internalError("failed to read the log of container \"\(name)\" in pod \"\(podName)\": \(error)")
        }
        if started {
            await exchange.finishStream()
        } else {
            await exchange.send(KubeletResponse(status: .ok, headers: .init(headers), body: []))
        }
    }

    /// A stream that yields once the container has exited: a finished stream when it is not
    /// running; else the runtime's stop event for it, with a check of its status every few
    /// seconds for runtimes whose events may be late or missing.
    func exitSignal(containerID: String, running: Bool) -> (AsyncStream<Void>, Task<Void, Never>?) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        guard running else {
            continuation.finish()
            return (stream, nil)
        }
        let events = runtime.containerEvents()
        let runtime = self.runtime
        let interval = configuration.containerStateCheckInterval
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in events where event.containerID == containerID && (event.type == .stopped || event.type == .deleted) {
                        return
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        // A state check, not a poll for data: new log lines arrive through inotify.
                        try? await Task.sleep(for: interval)
                        let state = try? await runtime.containerStatus(containerID).container.state
                        if state != .running { return }
                    }
                }
                await group.next()
                group.cancelAll()
            }
            continuation.yield()
            continuation.finish()
        }
        return (stream, task)
    }
}
