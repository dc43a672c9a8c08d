/// Why the kubelet could not start a container (shown as its waiting reason), e.g. an image pull
/// or create failure.
public struct ContainerProblem: Sendable, Hashable {
    /// The waiting reason (`ErrImagePull`, `ImagePullBackOff`, `InvalidImageName`,
    /// `CreateContainerError`, `CreateContainerConfigError`).
    public var reason: String
    /// The message shown with it.
    public var message: String

    /// Creates a problem.
    public init(reason: String, message: String) {
        self.reason = reason
        self.message = message
    }
}
