import KubeAPI

/// The spec fields ReplicaSets and ReplicationControllers share.
public protocol ReplicaSpecFields: Sendable {
    /// `replicas`.
    var replicas: Int? { get }
    /// `template`.
    var template: CoreV1.PodTemplateSpec? { get }
    /// `minReadySeconds`.
    var minReadySeconds: Int? { get }
}

/// The status fields ReplicaSets and ReplicationControllers share.
public protocol ReplicaStatusFields: Sendable {
    /// The kind's condition type.
    associatedtype Condition: ReplicaConditionFields
    /// An empty status.
    init()
    /// `replicas`.
    var replicas: Int? { get set }
    /// `fullyLabeledReplicas`.
    var fullyLabeledReplicas: Int? { get set }
    /// `readyReplicas`.
    var readyReplicas: Int? { get set }
    /// `availableReplicas`.
    var availableReplicas: Int? { get set }
    /// `observedGeneration`.
    var observedGeneration: Int? { get set }
    /// `conditions`.
    var conditions: [Condition]? { get set }
}

/// The condition fields ReplicaSets and ReplicationControllers share.
public protocol ReplicaConditionFields: Sendable {
    /// Creates a condition.
    init(lastTransitionTime: Time?, message: String?, reason: String?, status: String?, type: String?)
    /// `lastTransitionTime`.
    var lastTransitionTime: Time? { get }
    /// `message`.
    var message: String? { get }
    /// `reason`.
    var reason: String? { get }
    /// `status`.
    var status: String? { get }
    /// `type`.
    var type: String? { get }
}

extension AppsV1.ReplicaSetSpec: ReplicaSpecFields {}
extension CoreV1.ReplicationControllerSpec: ReplicaSpecFields {}
extension AppsV1.ReplicaSetCondition: ReplicaConditionFields {}
extension CoreV1.ReplicationControllerCondition: ReplicaConditionFields {}

extension AppsV1.ReplicaSetStatus: ReplicaStatusFields {
    /// An empty status.
    public init() { self.init(availableReplicas: nil) }
}

extension CoreV1.ReplicationControllerStatus: ReplicaStatusFields {
    /// An empty status.
    public init() { self.init(availableReplicas: nil) }
}
