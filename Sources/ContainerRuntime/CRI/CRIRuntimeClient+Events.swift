import GRPCCore
import Kubelet

extension CRIRuntimeClient {
    /// Container lifecycle events from now on. The client's own calls publish theirs at once;
    /// the rest (exits, other clients' changes) come from the runtime's `GetContainerEvents`
    /// stream or, when the runtime does not offer it (containerd 1.6), from comparing container
    /// listings every `eventPollInterval`.
    public func containerEvents() -> AsyncStream<CRI.ContainerEvent> {
        let stream = events.subscribe()
        startEventSourceIfNeeded()
        return stream
    }

    /// Follows the runtime's event stream, reconnecting when it breaks; polls instead when the
    /// runtime does not stream. Runs until cancelled.
    func runEventSource() async {
        while !Task.isCancelled {
            do {
                try await followEventStream()
            } catch let error as RPCError where error.code == .unimplemented {
                logger.info("the runtime does not stream container events: polling container listings")
                await pollEvents()
                return
            } catch {
                if Task.isCancelled { return }
                logger.debug("container event stream broke: \(error)")
            }
            try? await Task.sleep(for: configuration.eventPollInterval)
        }
    }

    private func followEventStream() async throws {
        var options = CallOptions.defaults
        options.waitForReady = true
        let hub = events
        try await runtimeService.getContainerEvents(Runtime_V1_GetEventsRequest(), options: options) { response in
            for try await event in response.messages {
                guard let type = event.containerEventType.cri else { continue }
                hub.publish(
                    containerID: event.containerID, sandboxID: event.podSandboxStatus.id,
                    pod: event.podSandboxStatus.metadata.cri, reached: type, at: event.createdAt)
            }
        }
    }

    /// Compares listings while anyone subscribes; the first listing after a quiet spell is the
    /// baseline (nothing is published for it).
    private func pollEvents() async {
        var needsBaseline = true
        while !Task.isCancelled {
            if events.hasSubscribers {
                do {
                    try await pollOnce(baseline: needsBaseline)
                    needsBaseline = false
                } catch {
                    logger.debug("container listing for events failed: \(error)")
                }
            } else {
                needsBaseline = true
            }
            try? await Task.sleep(for: configuration.eventPollInterval)
        }
    }

    private func pollOnce(baseline: Bool) async throws {
        let mark = events.sequence
        let sandboxes = try await listPodSandbox(CRI.PodSandboxFilter())
        let containers = try await listContainers(CRI.ContainerFilter())
        let pods = Dictionary(sandboxes.map { ($0.id, $0.metadata) }, uniquingKeysWith: { first, _ in first })
        let seen = containers.compactMap { container -> (id: String, sandboxID: String, pod: CRI.PodSandboxMetadata, reached: CRI.ContainerEventType)? in
            guard let pod = pods[container.podSandboxID] else { return nil }
            switch container.state {
            case .created: return (container.id, container.podSandboxID, pod, .created)
            case .running: return (container.id, container.podSandboxID, pod, .started)
            case .exited: return (container.id, container.podSandboxID, pod, .stopped)
            case .unknown: return nil
            }
        }
        if baseline {
            events.baseline(seen)
        } else {
            for entry in seen {
                events.publish(containerID: entry.id, sandboxID: entry.sandboxID, pod: entry.pod, reached: entry.reached, at: Self.now)
            }
        }
        for id in events.vanished(notIn: Set(containers.map(\.id)), unchangedSince: mark) {
            events.advance(containerID: id, to: .deleted, at: Self.now)
        }
    }
}
