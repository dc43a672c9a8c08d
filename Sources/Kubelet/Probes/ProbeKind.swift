/// The three container probes.
public enum ProbeKind: String, Sendable, Hashable, CaseIterable {
    /// `startupProbe`: gates the other two until it succeeds once; failing kills the container.
    case startup = "Startup"
    /// `livenessProbe`: failing kills the container, which restarts per the pod's policy.
    case liveness = "Liveness"
    /// `readinessProbe`: sets the container's `ready` (and so the pod's `Ready`).
    case readiness = "Readiness"
}
