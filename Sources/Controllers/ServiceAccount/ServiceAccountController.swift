import KubeAPI
import KubeClient
import Logging

/// The service account controller (`service-account-controller`): makes sure every active
/// namespace has a `default` ServiceAccount, recreating it when deleted.
public final class ServiceAccountController: Controller, IdentifiedController {
    /// `service-account-controller`.
    public var name: String { identity.name }
    /// The accounts every namespace gets.
    public static let accountNames = ["default"]
    let identity: ControllerIdentity
    let queue = WorkQueue<String>(name: "serviceaccount")

    /// Creates the controller.
    public init(context: ControllerContext) {
        self.identity = ControllerIdentity("service-account-controller", context: context)
    }

    /// Watches namespaces and service accounts until cancelled.
    public func run() async throws {
        let namespaces = context.informers.informer(CoreV1.Namespace.self)
        let accounts = context.informers.informer(CoreV1.ServiceAccount.self)
        namespaces.addHandler(InformerHandler(onAdd: { self.queue.add($0.metadata.name ?? "") }, onUpdate: { _, new in self.queue.add(new.metadata.name ?? "") }))
        accounts.addHandler(InformerHandler(onDelete: { account in
            if Self.accountNames.contains(account.metadata.name ?? "") { self.queue.add(account.metadata.namespace ?? "") }
        }))
        await ControllerLoop.run(
            waitingFor: [context.informers],
            .queue(queue, workers: context.options.workers) { namespace in
                try await self.sync(namespace, namespaces: namespaces.lister, accounts: accounts.lister)
            })
    }

    func sync(_ namespace: String, namespaces: Lister<CoreV1.Namespace>, accounts: Lister<CoreV1.ServiceAccount>) async throws {
        guard let object = namespaces.get(namespace), object.metadata.deletionTimestamp == nil, object.status?.phase != "Terminating" else { return }
        for name in Self.accountNames where accounts.get(name, namespace: namespace) == nil {
            do {
                _ = try await client.resource(CoreV1.ServiceAccount.self).create(
                    CoreV1.ServiceAccount(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace)), namespace: namespace)
            } catch let error as StatusError where error.code == 409 || error.code == 403 && error.message.contains("being terminated") {
                continue
            }
        }
    }
}
