import KubeAPI

/// The effect of a node taint.
public enum TaintEffect: String, Sendable, Hashable {
    /// New pods that do not tolerate the taint are not scheduled onto the node.
    case noSchedule = "NoSchedule"
    /// The scheduler avoids the node for pods that do not tolerate the taint.
    case preferNoSchedule = "PreferNoSchedule"
    /// Like `noSchedule`, and running pods that do not tolerate it are evicted.
    case noExecute = "NoExecute"
}

/// A node taint in compiled form.
public struct NodeTaint: Sendable, Hashable {
    /// The taint key.
    public var key: String
    /// The taint value (empty when absent).
    public var value: String
    /// The effect; `nil` for an unknown effect string.
    public var effect: TaintEffect?

    /// Creates a taint.
    public init(key: String, value: String = "", effect: TaintEffect?) {
        self.key = key
        self.value = value
        self.effect = effect
    }

    /// Compiles an API taint.
    public init(_ taint: CoreV1.Taint) {
        self.init(key: taint.key ?? "", value: taint.value ?? "", effect: taint.effect.flatMap(TaintEffect.init(rawValue:)))
    }

    /// The taint the node lifecycle puts on cordoned nodes.
    public static let unschedulable = NodeTaint(key: "node.kubernetes.io/unschedulable", effect: .noSchedule)
}

/// A pod toleration in compiled form.
public struct PodToleration: Sendable, Hashable {
    /// The key; empty with `exists` tolerates every key.
    public var key: String
    /// `true` for `Exists`, `false` for `Equal` (the default).
    public var exists: Bool
    /// The value compared under `Equal`.
    public var value: String
    /// The effect tolerated; `nil` tolerates all effects.
    public var effect: TaintEffect?
    /// Whether the toleration string had an effect that is not known (it then tolerates nothing).
    var unknownEffect: Bool

    /// Compiles an API toleration.
    public init(_ toleration: CoreV1.Toleration) {
        key = toleration.key ?? ""
        exists = toleration.operator == "Exists"
        value = toleration.value ?? ""
        if let raw = toleration.effect, !raw.isEmpty {
            effect = TaintEffect(rawValue: raw)
            unknownEffect = effect == nil
        } else {
            effect = nil
            unknownEffect = false
        }
        if let op = toleration.operator, op != "Exists", op != "Equal", !op.isEmpty { unknownEffect = true }
    }

    /// Whether this toleration tolerates the taint.
    public func tolerates(_ taint: NodeTaint) -> Bool {
        if unknownEffect { return false }
        if let effect, effect != taint.effect { return false }
        if !key.isEmpty && key != taint.key { return false }
        if exists { return true }
        return value == taint.value
    }
}

extension Array where Element == PodToleration {
    /// Whether any toleration tolerates the taint.
    public func tolerate(_ taint: NodeTaint) -> Bool {
        for toleration in self where toleration.tolerates(taint) { return true }
        return false
    }
}
