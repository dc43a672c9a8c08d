/// Why a node cannot take a pod, as one filter plugin reports it.
public struct FilterFailure: Sendable, Hashable, Error {
    /// Whether preemption could help.
    public enum Code: Sendable, Hashable {
        /// Removing pods from the node might make the pod fit.
        case unschedulable
        /// Removing pods cannot help (labels, taints, node name, ...).
        case unresolvable
    }

    /// The failure class.
    public var code: Code
    /// The plugin that rejected the node.
    public var plugin: String
    /// The reasons, in upstream's wording (one entry per insufficient resource, for example).
    public var reasons: [String]

    /// Creates a failure.
    public init(_ code: Code, plugin: String, reasons: [String]) {
        self.code = code
        self.plugin = plugin
        self.reasons = reasons
    }

    /// Creates a failure with one reason.
    public init(_ code: Code, plugin: String, _ reason: String) {
        self.init(code, plugin: plugin, reasons: [reason])
    }
}
