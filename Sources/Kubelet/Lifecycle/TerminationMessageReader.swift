/// Reads what a terminated container left for its `lastState`/`state.terminated.message`: the
/// termination message file (`terminationMessagePath`, mounted from the host) and, for
/// `terminationMessagePolicy: FallbackToLogsOnError`, the tail of its log. Injected into the
/// kubelet so that tests and hollow nodes need no files.
public protocol TerminationMessageReader: Sendable {
    /// The termination message file's content (at most `limit` bytes), `nil` when there is none.
    func terminationMessage(podUID: String, containerName: String, containerID: String, attempt: Int, limit: Int) -> String?

    /// The last `lines` lines (at most `bytes` bytes) of a container log in the CRI log format
    /// (`TIMESTAMP STREAM TAG CONTENT`), contents only; `nil` when it cannot be read.
    func logTail(path: String, lines: Int, bytes: Int) -> String?
}

/// A reader that finds nothing (hollow nodes).
public struct NoTerminationMessages: TerminationMessageReader {
    /// Creates the reader.
    public init() {}

    /// Always `nil`.
    public func terminationMessage(podUID: String, containerName: String, containerID: String, attempt: Int, limit: Int) -> String? { nil }

    /// Always `nil`.
    public func logTail(path: String, lines: Int, bytes: Int) -> String? { nil }
}
