import KubeAPI

/// Runs a container's `postStart` or `preStop` handler once, as the upstream kubelet does:
/// `exec` through the runtime (a non-zero exit code fails the hook), `httpGet` to the pod IP
/// (only a failed request fails it; the status code is not looked at), `sleep` on the kubelet's
/// clock. `tcpSocket` is not supported as a hook and fails.
struct LifecycleHookRunner: Sendable {
    let prober: Prober
    let clock: KubeletClock

    /// Runs `handler` for the container, bounded by `timeout`; returns `nil` when it succeeded,
    /// otherwise the message of the `FailedPostStartHook`/`FailedPreStopHook` event.
    func run(
        _ handler: CoreV1.LifecycleHandler, pod: CoreV1.Pod, container: CoreV1.Container, containerID: String,
        podIP: String?, timeout: Duration
    ) async -> String? {
        let name = container.name ?? ""
        let podName = "\(pod.metadata.name ?? "")_\(pod.metadata.namespace ?? "")(\(pod.metadata.uid ?? ""))"
        if let action = handler.exec {
            let command = action.command ?? []
            let described = "[\(command.joined(separator: " "))]"
            let failure: String
            let output: String
            do {
                let result = try await prober.exec(containerID, command, timeout)
                if result.exitCode == 0 { return nil }
                output = String(decoding: result.stdout + result.stderr, as: UTF8.self)
                failure = "command '\(command.joined(separator: " "))' exited with \(result.exitCode): \(output)"
            } catch let error as RuntimeError where error.code == .deadlineExceeded {
                output = ""
                failure = "command '\(command.joined(separator: " "))' timed out after \(PodStatusBuilder.format(seconds: timeout.components.seconds))"
            } catch {
                output = ""
                failure = (error as? RuntimeError)?.message ?? "\(error)"
            }
            return "Exec lifecycle hook (\(described)) for Container \"\(name)\" in Pod \"\(podName)\" failed - error: \(failure), message: \"\(output)\""
        }
        if let action = handler.httpGet {
            let target = Prober.Target(containerID: containerID, container: container, podIP: podIP)
            let path = action.path ?? ""
            do {
                let request = try prober.httpRequest(action, target: target)
                do {
                    _ = try await prober.dialer.httpGet(request, timeout: timeout)
                    return nil
                } catch {
                    return "HTTP lifecycle hook (\(path)) for Container \"\(name)\" in Pod \"\(podName)\" failed - error: Get \"\(request.url)\": \(error), message: \"\""
                }
            } catch {
                return "HTTP lifecycle hook (\(path)) for Container \"\(name)\" in Pod \"\(podName)\" failed - error: \(error), message: \"\""
            }
        }
        if let action = handler.sleep {
            let wanted = Duration.seconds(max(0, action.seconds ?? 0))
            try? await clock.sleep(for: min(wanted, timeout))
            return nil
        }
        return "Lifecycle hook for Container \"\(name)\" in Pod \"\(podName)\" failed - error: unsupported handler (tcpSocket is not supported in lifecycle hooks), message: \"\""
    }
}
