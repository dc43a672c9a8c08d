/// Why the kubelet cannot build what a container or volume needs (a missing configMap or key, a
/// bad field path); the message is shown as the container's waiting message or in an event.
public struct PodConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The message, in upstream's wording (`configmap "x" not found`).
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
