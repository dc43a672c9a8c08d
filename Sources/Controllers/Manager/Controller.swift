import KubeClient

/// One control loop: watches what it needs through the shared informers and writes through
/// its own client until its task is cancelled.
public protocol Controller: Sendable {
    /// The controller's name (`deployment-controller`); also the service account it acts as.
    var name: String { get }
    /// Runs the loop until the calling task is cancelled. Informers must be requested from
    /// the context's factory before waiting for them to sync.
    func run() async throws
}
