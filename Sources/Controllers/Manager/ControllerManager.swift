import KubeClient
import Logging

/// Runs a set of controllers and the informers they share until cancelled (the
/// `kube-controller-manager` of this distribution).
public struct ControllerManager: Sendable {
    /// The shared context.
    public let context: ControllerContext
    /// The controllers it runs.
    public let controllers: [any Controller]

    /// Creates a manager for `controllers` (``ControllerManager/standard(context:)`` gives the default set).
    public init(context: ControllerContext, controllers: [any Controller]) {
        self.context = context
        self.controllers = controllers
    }

    /// Runs every controller and the shared informers until the calling task is cancelled. A
    /// controller that fails is logged and restarted.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for controller in controllers {
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            try await controller.run()
                            return
                        } catch is CancellationError {
                            return
                        } catch {
                            if Task.isCancelled { return }
                            context.logger.error("controller failed; restarting", metadata: ["controller": "\(controller.name)", "error": "\(error)"])
                            try? await Task.sleep(for: .seconds(1))
                        }
                    }
                }
            }
            group.addTask { await context.informers.run() }
            await group.waitForAll()
        }
    }
}
