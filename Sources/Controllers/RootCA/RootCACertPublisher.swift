import KubeAPI
import KubeClient
import Logging

/// The root CA publisher (`root-ca-cert-publisher`): keeps a ConfigMap `kube-root-ca.crt`
/// whose `ca.crt` is the cluster CA bundle (``ControllerOptions/rootCAPEM``) in every active
/// namespace, restoring it when it is edited or deleted.
public final class RootCACertPublisher: Controller, IdentifiedController {
    /// `root-ca-cert-publisher`.
    public var name: String { identity.name }
    /// The ConfigMap's name.
    public static let configMapName = "kube-root-ca.crt"
    /// The key holding the bundle.
    public static let dataKey = "ca.crt"
    let identity: ControllerIdentity
    let queue = WorkQueue<String>(name: "root_ca_cert_publisher")

    /// Creates the publisher.
    public init(context: ControllerContext) {
        self.identity = ControllerIdentity("root-ca-cert-publisher", context: context)
    }

    /// Watches namespaces and the published ConfigMaps until cancelled.
    public func run() async throws {
        let namespaces = context.informers.informer(CoreV1.Namespace.self)
        let configMaps = context.informers.informer(CoreV1.ConfigMap.self)
        namespaces.addHandler(InformerHandler(onAdd: { self.queue.add($0.metadata.name ?? "") }, onUpdate: { _, new in self.queue.add(new.metadata.name ?? "") }))
        configMaps.addHandler(.any { map in
            if map.metadata.name == Self.configMapName { self.queue.add(map.metadata.namespace ?? "") }
        })
        await ControllerLoop.run(
            waitingFor: [context.informers],
            .queue(queue, workers: context.options.workers) { namespace in
                try await self.sync(namespace, namespaces: namespaces.lister, configMaps: configMaps.lister)
            })
    }

    func sync(_ namespace: String, namespaces: Lister<CoreV1.Namespace>, configMaps: Lister<CoreV1.ConfigMap>) async throws {
        guard let object = namespaces.get(namespace), object.metadata.deletionTimestamp == nil, object.status?.phase != "Terminating" else { return }
        let data = [Self.dataKey: context.options.rootCAPEM]
        let api = client.resource(CoreV1.ConfigMap.self)
        if var current = configMaps.get(Self.configMapName, namespace: namespace) {
            guard current.data != data || current.binaryData != nil else { return }
            current.data = data
            current.binaryData = nil
            _ = try await api.update(current)
        } else {
            do {
                _ = try await api.create(
                    CoreV1.ConfigMap(data: data, metadata: MetaV1.ObjectMeta(name: Self.configMapName, namespace: namespace)), namespace: namespace)
            } catch let error as StatusError where error.code == 409 || error.code == 403 && error.message.contains("being terminated") {
                return
            }
        }
    }
}
