import HTTPTypes
import KubeAPI

/// Serves `customresourcedefinitions` through the generic handler, except that deleting a CRD
/// first gives it the cleanup finalizer (and a `Terminating` condition), so it stays until
/// ``CustomResourceController`` has deleted its objects.
public struct CustomResourceDefinitionHandler: APIHandler {
    /// The generic handler (without this override).
    public let next: ResourceHandler

    /// Creates the handler in front of `next`.
    public init(next: ResourceHandler) {
        self.next = next
    }

    /// See ``APIHandler/handle(_:)``.
    public func handle(_ request: APIRequest) async -> APIResponse {
        let info = RequestInfo(method: request.method, path: request.path, query: request.query)
        if info.verb == "delete", info.subresource.isEmpty, !info.name.isEmpty,
           !request.query.contains(where: { $0.name == "dryRun" }),
           let store = next.registry.store(group: info.apiGroup, version: info.apiVersion, resource: info.resource) {
            do {
                _ = try await store.guaranteedUpdate(namespace: "", name: info.name, target: .whole) { current in
                    guard var current else { throw StatusError.notFound(store.groupResource, name: info.name) }
                    let deleting = current["metadata"]?["deletionTimestamp"].map { !$0.isNull } ?? false
                    guard !deleting, !current.finalizers.contains(CustomResourceController.cleanupFinalizer) else { return current }
                    current.updateMetadata { meta in
                        var finalizers = meta["finalizers"]?.arrayValue ?? []
                        finalizers.append(.string(CustomResourceController.cleanupFinalizer))
                        meta["finalizers"] = .array(finalizers)
                        meta.removeValue(forKey: "resourceVersion")
                    }
                    current.setMember("status", CustomResourceController.terminatingStatus(
                        current["status"], reason: "InstanceDeletionPending",
                        message: "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon"))
                    return current
                }
            } catch let error as StatusError {
                return ResponseEncoding.failure(error)
            } catch {
                return ResponseEncoding.failure(.internalError("\(error)"))
            }
        }
        return await next.handle(request)
    }
}
