import KubeAPI

extension Kubelet {
    /// The termination messages of the exited containers in `view`, by container ID: those
    /// already read (`known`) plus, for the others, the termination message file and, under
    /// `terminationMessagePolicy: FallbackToLogsOnError` after a failure with no file content,
    /// the log's last 80 lines (2048 bytes at most).
    func terminationMessages(_ pod: CoreV1.Pod, _ view: PodRuntimeView, known: [String: String]) -> [String: String] {
        var messages: [String: String] = [:]
        for status in view.containers where status.container.state == .exited {
            let id = status.container.id
            if let message = known[id] {
                messages[id] = message
                continue
            }
            let name = status.container.metadata.name
            guard let spec = pod.container(name) else { continue }
            var message = terminationMessages.terminationMessage(
                podUID: pod.metadata.uid ?? "", containerName: name, containerID: id, attempt: status.container.metadata.attempt,
                limit: 4096) ?? ""
            if message.isEmpty, spec.terminationMessagePolicy == "FallbackToLogsOnError", status.exitCode != 0, !status.logPath.isEmpty {
                message = terminationMessages.logTail(path: status.logPath, lines: 80, bytes: 2048) ?? ""
            }
            messages[id] = message
        }
        return messages
    }
}
