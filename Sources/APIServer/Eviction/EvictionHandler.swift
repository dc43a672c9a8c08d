import HTTPTypes
import KubeAPI

/// `POST /api/v1/namespaces/NS/pods/NAME/eviction`: deletes a pod unless that would take its
/// PodDisruptionBudget below what it allows.
///
/// Accepts `policy/v1` and `policy/v1beta1` `Eviction` bodies. A finished, pending or deleting
/// pod goes at once. Otherwise the one budget covering the pod must allow a disruption: its
/// `status.disruptionsAllowed` is decremented and the pod recorded in `status.disruptedPods`
/// (an optimistic write, retried on conflict) before the pod gets the `DisruptionTarget`
/// condition and is deleted with the eviction's `deleteOptions`. An unready pod may go without
/// spending the budget as `unhealthyPodEvictionPolicy` allows. Answers 201 with a `Success`
/// `Status`; 429 with a `DisruptionBudget` cause when the budget forbids it; 500 when more than
/// one budget covers the pod.
public struct EvictionHandler: APIHandler {
    /// The registry holding pods and poddisruptionbudgets.
    public let registry: ResourceRegistry
    /// The current time (recorded in `disruptedPods`).
    public let now: @Sendable () -> Time
    /// How often a write that lost a race is tried again.
    static let attempts = 20

    /// Creates the handler over `registry`.
    public init(registry: ResourceRegistry, now: @escaping @Sendable () -> Time = { Time.now() }) {
        self.registry = registry
        self.now = now
    }

    /// Answers the request; never throws.
    public func handle(_ request: APIRequest) async -> APIResponse {
        let info = RequestInfo(method: request.method, path: request.path, query: request.query)
        do {
            guard request.method == .post else {
                throw StatusError.methodNotAllowed(GroupResource(group: "", resource: "pods"), action: info.verb)
            }
            let eviction = try EvictionRequest(request, urlName: info.name, namespace: info.namespace)
            try await evict(eviction, namespace: info.namespace)
            let body: JSONValue = ["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Success", "code": 201]
            return ResponseEncoding.json(ResponseEncoding.document(body), status: .created)
        } catch let error as StatusError {
            return ResponseEncoding.failure(error)
        } catch {
            return ResponseEncoding.failure(.internalError("\(error)"))
        }
    }

    func stores() throws -> (pods: ResourceStore, budgets: ResourceStore) {
        guard let pods = registry.store(group: "", version: "v1", resource: "pods"),
              let budgets = registry.store(group: "policy", version: "v1", resource: "poddisruptionbudgets")
        else { throw StatusError.internalError("pods or poddisruptionbudgets are not served") }
        return (pods, budgets)
    }

    /// Runs one eviction.
    func evict(_ eviction: EvictionRequest, namespace: String) async throws {
        let (pods, budgets) = try stores()
        let name = eviction.name
        let retryConflicts = eviction.options.preconditionResourceVersion == nil
        var pod: CoreV1.Pod
        var podRevision: Int64
        // A pod that may go without its budget is deleted here, retrying lost races.
        var attempt = 0
        while true {
            attempt += 1
            let cached = try await pods.get(namespace: namespace, name: name)
            pod = try cached.value.decode(CoreV1.Pod.self)
            podRevision = cached.revision
            guard EvictionRules.bypassesBudgets(pod) else { break }
            var options = eviction.options
            if EvictionRules.pinsResourceVersion(pod) && options.preconditionResourceVersion == nil {
                options.preconditionResourceVersion = String(cached.revision)
            }
            do {
                try await markAndDelete(pods: pods, namespace: namespace, name: name, options: options, dryRun: eviction.dryRun)
                return
            } catch let error as StatusError where error.code == 409 && retryConflicts && attempt < Self.attempts {
                continue
            }
        }

        let listed = try await budgets.list(filter: ListFilter(namespace: namespace)).objects
        let covering = EvictionRules.budgets(covering: pod, in: try listed.map { try $0.value.decode(PolicyV1.PodDisruptionBudget.self) })
        if covering.count > 1 {
            throw StatusError(code: 500, reason: .unknown, message: EvictionRules.multipleBudgetsMessage)
        }
        var options = eviction.options
        var budgetName = ""
        var pinned = false
        if let budget = covering.first {
            budgetName = budget.metadata.name ?? ""
            if EvictionRules.unhealthyPodMayGo(pod, budget: budget) {
                // The pod must still be unready when it is deleted.
                options.preconditionResourceVersion = String(podRevision)
                pinned = true
            } else {
                try await spend(budget, budgets: budgets, namespace: namespace, podName: name, dryRun: eviction.dryRun)
            }
        }
        do {
            try await markAndDelete(pods: pods, namespace: namespace, name: name, options: options, dryRun: eviction.dryRun)
        } catch let error as StatusError where error.code == 409 && pinned && eviction.options.preconditionResourceVersion == nil {
            throw EvictionRules.budgetNotProcessed(budgetName)
        }
    }

    /// Takes one disruption from `budget` (re-reading it after a lost race).
    func spend(_ budget: PolicyV1.PodDisruptionBudget, budgets: ResourceStore, namespace: String, podName: String, dryRun: Bool) async throws {
        var budget = budget
        let name = budget.metadata.name ?? ""
        for attempt in 1...Self.attempts {
            let spent = try EvictionRules.spendDisruption(of: budget, podName: podName, now: now(), dryRun: dryRun)
            if dryRun { return }
            let status = try JSONValue(encoding: spent.status ?? PolicyV1.PodDisruptionBudgetStatus())
            let revision = Int64(budget.metadata.resourceVersion ?? "")
            do {
                _ = try await budgets.guaranteedUpdate(namespace: namespace, name: name, expectedRevision: revision, target: .status) { current in
                    guard var current else { throw StatusError.notFound(budgets.groupResource, name: name) }
                    current.setMember("status", status)
                    return current
                }
                return
            } catch let error as StatusError where error.code == 409 && attempt < Self.attempts {
                budget = try await budgets.get(namespace: namespace, name: name).value.decode(PolicyV1.PodDisruptionBudget.self)
            }
        }
        throw StatusError.timeout("couldn't update PodDisruptionBudget \"\(name)\" due to conflicts", retryAfterSeconds: 10)
    }

    /// Gives the pod the `DisruptionTarget` condition (unless dry-run), then deletes it.
    func markAndDelete(pods: ResourceStore, namespace: String, name: String, options: DeleteOptions, dryRun: Bool) async throws {
        var options = options
        if !dryRun {
            let precondition = options
            let stamp = now()
            let (updated, _) = try await pods.guaranteedUpdate(namespace: namespace, name: name, target: .status) { current in
                guard var current else { throw StatusError.notFound(pods.groupResource, name: name) }
                try Self.check(precondition, against: current, name: name)
                current.setMember("status", Self.addingDisruptionTarget(to: current["status"] ?? .object([:]), now: stamp))
                return current
            }
            if options.preconditionResourceVersion != nil { options.preconditionResourceVersion = String(updated.revision) }
        }
        _ = try await pods.delete(namespace: namespace, name: name, options: options, dryRun: dryRun)
    }

    /// 409 when the pod no longer has the UID or version the delete options name.
    static func check(_ options: DeleteOptions, against pod: JSONValue, name: String) throws {
        let resource = GroupResource(group: "", resource: "Pod")
        let uid = pod.metadataString("uid")
        if let wanted = options.preconditionUID, !wanted.isEmpty, wanted != uid {
            throw StatusError.conflict(resource, name: name, message: "the UID in the precondition (\(wanted)) does not match the UID in record (\(uid)). The object might have been deleted and then recreated")
        }
        let version = pod.metadataString("resourceVersion")
        if let wanted = options.preconditionResourceVersion, !wanted.isEmpty, wanted != version {
            throw StatusError.conflict(resource, name: name, message: "the ResourceVersion in the precondition (\(wanted)) does not match the ResourceVersion in record (\(version)). The object might have been modified")
        }
    }

    /// `status` with the `DisruptionTarget` condition set to `True` (`EvictionByEvictionAPI`).
    static func addingDisruptionTarget(to status: JSONValue, now: Time) -> JSONValue {
        var status = status
        var conditions = status["conditions"]?.arrayValue ?? []
        let index = conditions.firstIndex { $0["type"]?.stringValue == "DisruptionTarget" }
        let changed = index.map { conditions[$0]["status"]?.stringValue != "True" } ?? true
        var condition: JSONValue = index.map { conditions[$0] } ?? ["type": "DisruptionTarget"]
        condition.setMember("status", "True")
        condition.setMember("reason", "EvictionByEvictionAPI")
        condition.setMember("message", "Eviction API: evicting")
        if changed || condition["lastTransitionTime"] == nil { condition.setMember("lastTransitionTime", .string(now.description)) }
        if condition["lastProbeTime"] == nil { condition.setMember("lastProbeTime", .null) }
        if let index { conditions[index] = condition } else { conditions.append(condition) }
        status.setMember("conditions", .array(conditions))
        return status
    }
}
