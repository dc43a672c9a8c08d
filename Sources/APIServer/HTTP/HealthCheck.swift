/// The health endpoints a check can take part in.
public enum HealthProbe: String, Sendable, Hashable, CaseIterable {
    /// `/healthz` (the legacy combined probe).
    case healthz
    /// `/livez`: is the process alive (a failure means restart it).
    case livez
    /// `/readyz`: should it get traffic.
    case readyz
}

/// A named health check: `true` when healthy. Checks should answer quickly; they run on every
/// probe request.
public struct HealthCheck: Sendable {
    /// The name shown in verbose output and used in `/readyz/NAME` and `?exclude=NAME`
    /// (`ping`, `etcd`, `poststarthook/start-informers`).
    public var name: String
    /// The probes the check takes part in.
    public var probes: Set<HealthProbe>
    /// The check itself.
    public var check: @Sendable () async -> Bool

    /// Creates a check.
    public init(name: String, probes: Set<HealthProbe> = Set(HealthProbe.allCases), check: @escaping @Sendable () async -> Bool) {
        self.name = name
        self.probes = probes
        self.check = check
    }

    /// The check that always passes (`ping`), on every probe.
    public static let ping = HealthCheck(name: "ping") { true }
}
