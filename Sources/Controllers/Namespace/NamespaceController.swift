import KubeAPI
import KubeClient
import Logging

/// The namespace controller (`namespace-controller`): empties a terminating namespace
/// (every namespaced resource discovery lists, custom ones included), reports progress in
/// its status conditions, and once nothing is left removes the `kubernetes` finalizer
/// through `namespaces/<name>/finalize` so the API server deletes the namespace.
public final class NamespaceController: Controller, IdentifiedController {
    /// `namespace-controller`.
    public var name: String { identity.name }
    /// The finalizer this controller owns in `spec.finalizers`.
    public static let finalizer = "kubernetes"
    let identity: ControllerIdentity
    let queue = WorkQueue<String>(name: "namespace")
    /// How long to wait before looking again at a namespace whose content is still going.
    let recheckDelay: Duration

    /// Creates the controller.
    public convenience init(context: ControllerContext) {
        self.init(context: context, recheckDelay: .seconds(2))
    }

    /// Creates the controller with a custom re-check delay (tests use a short one).
    public init(context: ControllerContext, recheckDelay: Duration) {
        self.identity = ControllerIdentity("namespace-controller", context: context)
        self.recheckDelay = recheckDelay
    }

    /// Watches namespaces and finalizes deleted ones until cancelled.
    public func run() async throws {
        let namespaces = context.informers.informer(CoreV1.Namespace.self)
        namespaces.addHandler(.any { namespace in
            if namespace.metadata.deletionTimestamp != nil, let name = namespace.metadata.name { self.queue.add(name) }
        })
        await ControllerLoop.run(waitingFor: [namespaces], .queue(queue, workers: 2) { try await self.sync($0) })
    }

    func sync(_ name: String) async throws {
        let namespaces = client.resource(CoreV1.Namespace.self)
        let namespace: CoreV1.Namespace
        do {
            namespace = try await namespaces.get(name)
        } catch let error as StatusError where error.code == 404 {
            return
        }
        guard namespace.metadata.deletionTimestamp != nil,
              namespace.spec?.finalizers?.contains(Self.finalizer) == true else { return }
        let report = await deleteContent(of: name)
        try await updateConditions(namespace, report: report)
        guard report.isComplete else {
            queue.addAfter(name, recheckDelay)
            return
        }
        var finalized = try await namespaces.get(name)
        finalized.spec?.finalizers?.removeAll { $0 == Self.finalizer }
        do {
            _ = try await namespaces.update(subresource: "finalize", of: name, namespace: nil, body: finalized, as: CoreV1.Namespace.self)
            logger.info("namespace content removed; finalized", metadata: ["namespace": "\(name)"])
        } catch let error as StatusError where error.code == 404 {
            return
        }
    }

    /// Deletes every namespaced object of `namespace` and counts what is left.
    func deleteContent(of namespace: String) async -> NamespaceDeletionReport {
        var report = NamespaceDeletionReport()
        let resources: [DiscoveredResource]
        do {
            resources = try await APIResourceDiscovery(client: client).resources()
        } catch {
            report.discoveryFailed = ["\(error)"]
            return report
        }
        for resource in resources where resource.namespaced && resource.verbs.contains("delete") && resource.verbs.contains("list") {
            let dynamic = client.dynamic(resource.resource, namespaced: true)
            let label = "\(resource.resource.resource).\(resource.resource.group)"
            do {
                var listed = try await dynamic.list(namespace: namespace)
                if listed.items.isEmpty { continue }
                if resource.verbs.contains("deletecollection") {
                    try await dynamic.deleteCollection(namespace: namespace, options: DeleteOptions(propagationPolicy: .background))
                } else {
                    for item in listed.items {
                        guard let itemName = item[path: "metadata", "name"]?.stringValue else { continue }
                        do {
                            try await dynamic.delete(itemName, namespace: namespace, options: DeleteOptions(propagationPolicy: .background))
                        } catch let error as StatusError where error.code == 404 {}
                    }
                }
                listed = try await dynamic.list(namespace: namespace)
                if !listed.items.isEmpty {
                    report.remaining[label] = listed.items.count
                    for item in listed.items {
                        for finalizer in item[path: "metadata", "finalizers"]?.arrayValue ?? [] {
                            if let text = finalizer.stringValue { report.finalizersRemaining[text, default: 0] += 1 }
                        }
                    }
                }
            } catch let error as StatusError where error.code == 404 || error.code == 405 {
                continue
            } catch {
                report.deletionFailures.append("\(label): \(error)")
            }
        }
        return report
    }

    func updateConditions(_ namespace: CoreV1.Namespace, report: NamespaceDeletionReport) async throws {
        let previous = namespace.status?.conditions ?? []
        let now = Time(context.now())
        var conditions = report.conditions(now: now, previous: previous)
        // Keep conditions of other types.
        conditions += previous.filter { old in !conditions.contains { $0.type == old.type } }
        let unchanged = conditions.count == previous.count && conditions.allSatisfy { new in
            previous.contains { $0.type == new.type && $0.status == new.status && $0.reason == new.reason && $0.message == new.message }
        }
        if unchanged { return }
        var updated = namespace
        if updated.status == nil { updated.status = CoreV1.NamespaceStatus() }
        updated.status?.conditions = conditions
        do {
            _ = try await client.resource(CoreV1.Namespace.self).updateStatus(updated)
        } catch let error as StatusError where error.code == 404 || error.code == 409 {
            return
        }
    }
}
