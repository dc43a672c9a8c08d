#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import KubeClient
import Logging

/// What every controller is built from: the shared informers, a client per controller
/// identity, the cluster's settings and a clock.
public struct ControllerContext: Sendable {
    /// The informers every controller shares (listed and watched once per kind).
    public let informers: InformerFactory
    /// The client a controller writes with, acting as its own service account
    /// (`system:serviceaccount:kube-system:<name>`), as upstream's controller manager does.
    public let clientFor: @Sendable (_ controllerName: String) -> KubeClient
    /// Cluster settings controllers need.
    public let options: ControllerOptions
    /// The current time (controllers compare it with timestamps; tests inject a fixed one).
    public let now: @Sendable () -> Date
    /// The base logger.
    public let logger: Logger

    /// Creates a context.
    public init(
        informers: InformerFactory, clientFor: @escaping @Sendable (String) -> KubeClient,
        options: ControllerOptions = .init(), now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "controllers")
    ) {
        self.informers = informers
        self.clientFor = clientFor
        self.options = options
        self.now = now
        self.logger = logger
    }

    /// The client of `controller` and an event recorder reporting as it.
    public func client(for controller: String) -> KubeClient { clientFor(controller) }
}

/// Cluster-wide settings of the controllers.
public struct ControllerOptions: Sendable {
    /// The range node pod CIDRs are cut from (`--cluster-cidr`).
    public var clusterCIDR: IPPrefix
    /// The prefix length of each node's pod CIDR.
    public var nodeCIDRMaskSize: Int
    /// How long a node may miss heartbeats before it is marked not ready/unknown.
    public var nodeMonitorGracePeriod: Duration
    /// The CA bundle published as `kube-root-ca.crt` in every namespace.
    public var rootCAPEM: String
    /// Worker tasks per controller.
    public var workers: Int
    /// Whether ``ControllerManager/standard(context:)`` runs ServiceLB (``ServiceLBController``);
    /// `false` is K3s's `--disable servicelb`.
    public var serviceLB: Bool
    /// The directory local-path volumes are made in on every node (K3s's `DATA_DIR/storage`);
    /// `nil` turns the built-in local-path provisioner off (`--disable local-storage`).
    public var localStoragePath: String?

    /// K3s's default `--cluster-cidr`, 10.42.0.0/16.
    public static let defaultClusterCIDR = try! IPPrefix(parsing: "10.42.0.0/16")

    /// Creates options with K3s's defaults.
    public init(
        clusterCIDR: IPPrefix = ControllerOptions.defaultClusterCIDR, nodeCIDRMaskSize: Int = 24, nodeMonitorGracePeriod: Duration = .seconds(40),
        rootCAPEM: String = "", workers: Int = 4, serviceLB: Bool = true, localStoragePath: String? = nil
    ) {
        self.clusterCIDR = clusterCIDR
        self.nodeCIDRMaskSize = nodeCIDRMaskSize
        self.nodeMonitorGracePeriod = nodeMonitorGracePeriod
        self.rootCAPEM = rootCAPEM
        self.workers = workers
        self.serviceLB = serviceLB
        self.localStoragePath = localStoragePath
    }
}
