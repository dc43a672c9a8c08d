import KubeAPI

/// What the replica-keeping loop needs of its owner kind: a desired count, a selector, a pod
/// template and a status. ReplicaSets and ReplicationControllers conform, so both run the
/// same logic (a ReplicationController's selector is a plain label map). Everything but the
/// selector comes from the spec and status fields both kinds share (``ReplicaSpecFields``,
/// ``ReplicaStatusFields``).
public protocol ReplicatedPodOwner: KubernetesObject {
    /// The kind's spec type.
    associatedtype Spec: ReplicaSpecFields
    /// The kind's status type.
    associatedtype Status: ReplicaStatusFields
    /// The object's spec.
    var spec: Spec? { get }
    /// The object's status.
    var status: Status? { get set }
    /// The pod selector.
    ///
    /// - Throws: `SelectorParseError` when the selector is malformed.
    func podSelector() throws -> LabelSelector
}

extension ReplicatedPodOwner {
    /// The desired number of pods (`spec.replicas`, 1 when absent).
    public var desiredReplicas: Int { spec?.replicas ?? 1 }
    /// The template new pods are made from (`spec.template`).
    public var podTemplate: CoreV1.PodTemplateSpec? { spec?.template }
    /// Seconds a pod must be ready before it counts as available (`spec.minReadySeconds`, 0
    /// when absent).
    public var minReadySeconds: Int { spec?.minReadySeconds ?? 0 }

    /// The status fields the loop maintains, in kind-independent form. Setting it writes
    /// them into `status` (created when absent) and leaves other status fields alone.
    public var replicaStatus: ReplicaStatusValues {
        get {
            ReplicaStatusValues(
                replicas: status?.replicas ?? 0, fullyLabeledReplicas: status?.fullyLabeledReplicas ?? 0,
                readyReplicas: status?.readyReplicas ?? 0, availableReplicas: status?.availableReplicas ?? 0,
                observedGeneration: status?.observedGeneration ?? 0,
                conditions: (status?.conditions ?? []).map {
                    WorkloadCondition(type: $0.type ?? "", status: $0.status ?? "", reason: $0.reason, message: $0.message, lastTransitionTime: $0.lastTransitionTime)
                })
        }
        set {
            var updated = status ?? Status()
            updated.replicas = newValue.replicas
            updated.fullyLabeledReplicas = newValue.fullyLabeledReplicas
            updated.readyReplicas = newValue.readyReplicas
            updated.availableReplicas = newValue.availableReplicas
            updated.observedGeneration = newValue.observedGeneration
            updated.conditions = newValue.conditions.isEmpty ? nil : newValue.conditions.map {
                Status.Condition(lastTransitionTime: $0.lastTransitionTime, message: $0.message, reason: $0.reason, status: $0.status, type: $0.type)
            }
            status = updated
        }
    }
}

/// The kind-independent part of a ReplicaSet's or ReplicationController's status.
public struct ReplicaStatusValues: Sendable, Hashable {
    /// Active (not terminating, not finished) pods owned.
    public var replicas: Int = 0
    /// Owned active pods whose labels include every template label.
    public var fullyLabeledReplicas: Int = 0
    /// Owned active pods that are ready.
    public var readyReplicas: Int = 0
    /// Owned active pods ready for at least `minReadySeconds`.
    public var availableReplicas: Int = 0
    /// The generation last acted upon.
    public var observedGeneration: Int = 0
    /// The conditions (`ReplicaFailure` is the only one the loop sets).
    public var conditions: [WorkloadCondition] = []

    /// Creates a value.
    public init(replicas: Int = 0, fullyLabeledReplicas: Int = 0, readyReplicas: Int = 0, availableReplicas: Int = 0,
                observedGeneration: Int = 0, conditions: [WorkloadCondition] = []) {
        self.replicas = replicas
        self.fullyLabeledReplicas = fullyLabeledReplicas
        self.readyReplicas = readyReplicas
        self.availableReplicas = availableReplicas
        self.observedGeneration = observedGeneration
        self.conditions = conditions
    }
}

/// A status condition in kind-independent form.
public struct WorkloadCondition: Sendable, Hashable {
    /// The condition type (`ReplicaFailure`).
    public var type: String
    /// `True`, `False` or `Unknown`.
    public var status: String
    /// A machine-readable reason.
    public var reason: String?
    /// A human-readable message.
    public var message: String?
    /// When the status last changed.
    public var lastTransitionTime: Time?

    /// Creates a condition.
    public init(type: String, status: String, reason: String? = nil, message: String? = nil, lastTransitionTime: Time? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}

extension AppsV1.ReplicaSet: ReplicatedPodOwner {
    /// `spec.selector` as a label selector (nothing when absent).
    public func podSelector() throws -> LabelSelector { try LabelSelector(spec?.selector) }
}

extension CoreV1.ReplicationController: ReplicatedPodOwner {
    /// `spec.selector` as an equality selector (nothing when absent or empty).
    public func podSelector() throws -> LabelSelector {
        guard let labels = spec?.selector, !labels.isEmpty else { return .nothing }
        return try LabelSelector(matchLabels: labels)
    }
}
