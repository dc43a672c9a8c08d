import KubeClient
import Logging

/// What a controller acts with under its own identity: the shared context, a client acting as
/// its service account (`system:serviceaccount:kube-system:<name>`) and a logger whose
/// `controller` metadata names it.
struct ControllerIdentity: Sendable {
    /// The controller's name (`deployment-controller`).
    let name: String
    /// The shared context.
    let context: ControllerContext
    /// The client the controller writes with.
    let client: KubeClient
    /// The logger, tagged with the controller.
    let logger: Logger

    /// The identity of `name`; `logLabel` replaces the name in the logger's metadata.
    init(_ name: String, context: ControllerContext, logLabel: String? = nil) {
        self.name = name
        self.context = context
        self.client = context.client(for: name)
        var logger = context.logger
        logger[metadataKey: "controller"] = "\(logLabel ?? name)"
        self.logger = logger
    }

    /// An event recorder writing through the controller's client as `component` (the
    /// controller's name by default).
    func recorder(component: String? = nil) -> EventRecorder {
        EventRecorder(client: client, component: component ?? name, logger: context.logger)
    }
}

/// A controller that keeps its ``ControllerIdentity`` and reaches the parts by name.
protocol IdentifiedController {
    /// The controller's identity.
    var identity: ControllerIdentity { get }
}

extension IdentifiedController {
    /// The shared context.
    var context: ControllerContext { identity.context }
    /// The client the controller writes with.
    var client: KubeClient { identity.client }
    /// The controller's logger.
    var logger: Logger { identity.logger }
}
