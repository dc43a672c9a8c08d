import KubeAPI
import KubeClient
import Logging

/// The built-in upgrade controller: reads system-upgrade-controller's `upgrade.cattle.io/v1`
/// Plans and moves the nodes they select to the version they name, servers before agents.
///
/// For each Plan it resolves the version (`spec.version`, or the `spec.channel` URL through the
/// channel server's redirect) and the binary's published SHA-256 (`spec.upgrade.image` is the
/// base URL of K3s-style release files: `BASE/VERSION/k3s` and `sha256sum-amd64.txt`), records
/// them in `status.latestVersion`, `status.latestHash` and the `LatestResolved` condition, then
/// upgrades at most `spec.concurrency` nodes at a time (default 1): cordoned first when
/// `spec.cordon` or `spec.drain` is set (drained with evictions for `spec.drain`), then handed an
/// ``UpgradeOrder`` in a node annotation. The node's upgrader does the rest (download, checksum,
/// atomic replace, restart, rollback) and answers with an ``UpgradeOutcome``. An upgraded node
/// gets the label `plan.upgrade.cattle.io/PLAN=HASH` and is uncordoned; a refused or rolled-back
/// one gets a Warning event and is not tried again for that version. `status.applying` lists the
/// nodes under way and the `Complete` condition says when every selected node is done.
/// `kubectl get plans` shows these columns.
public actor UpgradePlanController {
    /// The Plan resource.
    public static let plans = GroupVersionResource(group: "upgrade.cattle.io", version: "v1", resource: "plans")
    /// The Plan annotation that sets how long a new binary has to be Ready (seconds; default 300).
    public static let readyTimeoutAnnotation = "upgrade.k3s-swift.io/ready-timeout-seconds"
    /// The node annotation marking a node this controller cordoned.
    static let cordonedAnnotation = "upgrade.k3s-swift.io/cordoned"
    static let fieldManager = "k3s-upgrade"

    let client: KubeClient
    let fetcher: any ReleaseFetcher
    let events: EventRecorder
    let logger: Logger
    /// Checksums already fetched, by listing URL.
    private var checksums: [String: String] = [:]
    /// Outcomes already reported, so each is an event once.
    private var reported: Set<String> = []

    /// Creates the controller.
    public init(client: KubeClient, fetcher: any ReleaseFetcher, events: EventRecorder, logger: Logger) {
        self.client = client
        self.fetcher = fetcher
        self.events = events
        self.logger = logger
    }

    /// What one Plan asks for, once resolved.
    struct Resolved: Sendable {
        var version: String
        var url: String
        var sha256: String
        /// The label value of an upgraded node (a label value holds at most 63 characters).
        var hashLabel: String { String(sha256.prefix(40)) }
    }

    /// One pass over every Plan.
    public func sync() async throws {
        let plans = try await client.dynamic(Self.plans, namespaced: true).list().items
        guard !plans.isEmpty else { return }
        var nodes = try await client.resource(CoreV1.Node.self).list().items
        for plan in plans {
            do {
                try await sync(plan, nodes: &nodes)
            } catch {
                logger.warning("plan not reconciled", metadata: ["plan": "\(Self.key(plan))", "error": "\(error)"])
            }
        }
    }

    private func sync(_ plan: JSONValue, nodes: inout [CoreV1.Node]) async throws {
        let key = Self.key(plan)
        let name = plan[path: "metadata", "name"]?.stringValue ?? ""
        let resolved: Resolved
        do {
            resolved = try await resolve(plan)
        } catch {
            try await writeStatus(plan, resolved: nil, applying: [], conditions: [
                Self.condition("LatestResolved", false, reason: "Error", message: "\(error)"),
            ])
            return
        }
        let selector: LabelSelector
        do {
            let spec = plan[path: "spec", "nodeSelector"]
            selector = try LabelSelector(spec.map { try $0.decode(MetaV1.LabelSelector.self) })
        } catch {
            try await writeStatus(plan, resolved: resolved, applying: [], conditions: [
                Self.condition("LatestResolved", true, reason: plan[path: "spec", "version"] != nil ? "Version" : "Channel", message: ""),
                Self.condition("Complete", false, reason: "Error", message: "spec.nodeSelector: \(error)"),
            ])
            return
        }
        let label = "plan.upgrade.cattle.io/\(name)"
        let selected = nodes.filter { selector.matches($0.metadata.labels ?? [:]) }
        var applying: [String] = []
        var failures: [String] = []
        var done = 0
        var waiting: [CoreV1.Node] = []
        for node in selected {
            let nodeName = node.metadata.name ?? ""
            let annotations = node.metadata.annotations ?? [:]
            let order = annotations[UpgradeOrder.annotation].flatMap(UpgradeOrder.init(json:))
            let outcome = annotations[UpgradeOutcome.annotation].flatMap(UpgradeOutcome.init(json:))
            let finished = outcome.map { $0.plan == key && $0.version == resolved.version } ?? false
            if node.metadata.labels?[label] == resolved.hashLabel {
                done += 1
            } else if let order, order.plan == key, order.version == resolved.version {
                if finished, let outcome, outcome.state == .upgraded, annotations[UpgradeOutcome.binaryAnnotation] == resolved.sha256 {
                    try await finish(node, label: label, value: resolved.hashLabel)
                    events.record(Self.reference(plan), type: .normal, reason: "NodeUpgraded", message: "Node \(nodeName) runs \(resolved.version)")
                    done += 1
                } else if finished, let outcome, outcome.state != .upgraded {
                    try await finish(node, label: nil, value: nil)
                    report(plan, node: nodeName, outcome)
                    failures.append("\(nodeName): \(outcome.message)")
                } else {
                    applying.append(nodeName)
                }
            } else if finished, let outcome, outcome.state != .upgraded {
                report(plan, node: nodeName, outcome)
                failures.append("\(nodeName): \(outcome.message)")
            } else {
                waiting.append(node)
            }
        }
        // Servers first: agents wait while a selected server still has to move.
        let isServer: (CoreV1.Node) -> Bool = { $0.metadata.labels?["node-role.kubernetes.io/control-plane"] == "true" }
        let serversLeft = waiting.contains(where: isServer) || selected.contains { isServer($0) && applying.contains($0.metadata.name ?? "") }
        let candidates = waiting.filter { isServer($0) || !serversLeft }.sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
        let concurrency = max(1, Int(plan[path: "spec", "concurrency"]?.intValue ?? 1))
        for node in candidates.prefix(max(0, concurrency - applying.count)) {
            let nodeName = node.metadata.name ?? ""
            try await start(plan, key: key, node: node, resolved: resolved)
            events.record(Self.reference(plan), type: .normal, reason: "NodeUpgrading", message: "Upgrading node \(nodeName) to \(resolved.version)")
            applying.append(nodeName)
        }
        let complete = done == selected.count
        let message = failures.isEmpty
            ? "\(done) of \(selected.count) nodes upgraded to \(resolved.version)"
            : "\(done) of \(selected.count) nodes upgraded; " + failures.joined(separator: "; ")
        try await writeStatus(plan, resolved: resolved, applying: applying.sorted(), conditions: [
            Self.condition("LatestResolved", true, reason: plan[path: "spec", "version"]?.stringValue?.isEmpty == false ? "Version" : "Channel", message: ""),
            Self.condition("Complete", complete, reason: complete ? "Complete" : failures.isEmpty ? "Upgrading" : "Failed", message: message),
        ])
    }

    /// The version, binary URL and checksum a Plan names.
    func resolve(_ plan: JSONValue) async throws -> Resolved {
        guard let base = plan[path: "spec", "upgrade", "image"]?.stringValue, !base.isEmpty else {
            throw ReleaseError("spec.upgrade.image (the base URL of the releases) is required")
        }
        let version: String
        if let pinned = plan[path: "spec", "version"]?.stringValue, !pinned.isEmpty {
            version = pinned
        } else if let channel = plan[path: "spec", "channel"]?.stringValue, !channel.isEmpty {
            version = try await fetcher.resolveChannel(channel)
        } else {
            throw ReleaseError("a plan needs spec.version or spec.channel")
        }
        let root = base.hasSuffix("/") ? String(base.dropLast()) : base
        let listing = "\(root)/\(version)/\(ReleaseFiles.checksums)"
        let sha256: String
        if let known = checksums[listing] {
            sha256 = known
        } else {
            guard let found = ReleaseFiles.checksum(of: ReleaseFiles.binary, in: try await fetcher.text(listing)) else {
                throw ReleaseError("\(listing) lists no checksum for \(ReleaseFiles.binary)")
            }
            checksums[listing] = found
            sha256 = found
        }
        return Resolved(version: version, url: "\(root)/\(version)/\(ReleaseFiles.binary)", sha256: sha256)
    }

    /// Cordons (and drains) a node as the Plan says, then hands it the order.
    private func start(_ plan: JSONValue, key: String, node: CoreV1.Node, resolved: Resolved) async throws {
        let nodeName = node.metadata.name ?? ""
        let drain = plan[path: "spec", "drain"]
        let cordon = plan[path: "spec", "cordon"]?.boolValue == true || (drain != nil && drain?.isNull == false)
        let timeout = Int(plan[path: "metadata", "annotations", Self.readyTimeoutAnnotation]?.stringValue ?? "") ?? 300
        let order = UpgradeOrder(plan: key, version: resolved.version, url: resolved.url, sha256: resolved.sha256, readyTimeoutSeconds: timeout)
        var annotations: [String: JSONValue] = [UpgradeOrder.annotation: .string(order.json)]
        var spec: JSONValue?
        if cordon, node.spec?.unschedulable != true {
            annotations[Self.cordonedAnnotation] = "true"
            spec = ["unschedulable": true]
        }
        var patch: JSONValue = ["metadata": ["annotations": .object(.init(uniqueKeysWithValues: annotations.sorted { $0.key < $1.key }))]]
        if let spec, case .object(var members) = patch {
            members["spec"] = spec
            patch = .object(members)
        }
        if cordon, let drain, !drain.isNull { try await self.drain(nodeName) }
        _ = try await client.resource(CoreV1.Node.self).patch(nodeName, type: .merge, body: patch)
    }

    /// Evicts every pod of the node but DaemonSet and mirror pods (the eviction API honours
    /// PodDisruptionBudgets; a refused eviction is retried at the next pass).
    private func drain(_ nodeName: String) async throws {
        let pods = try await client.resource(CoreV1.Pod.self).list(options: ListOptions(fieldSelector: "spec.nodeName=\(nodeName)")).items
        for pod in pods {
            if pod.metadata.ownerReferences?.contains(where: { $0.kind == "DaemonSet" }) == true { continue }
            if pod.metadata.annotations?["kubernetes.io/config.mirror"] != nil { continue }
            if pod.status?.phase == "Succeeded" || pod.status?.phase == "Failed" { continue }
            let eviction: JSONValue = [
                "apiVersion": "policy/v1", "kind": "Eviction",
                "metadata": ["name": .string(pod.metadata.name ?? ""), "namespace": .string(pod.metadata.namespace ?? "")],
            ]
            do {
                _ = try await client.send(KubeRequest(
                    method: .post, path: "/api/v1/namespaces/\(pod.metadata.namespace ?? "")/pods/\(pod.metadata.name ?? "")/eviction",
                    headers: [("Content-Type", "application/json")], body: eviction.serialized(escapingHTML: false)))
            } catch let error as StatusError where error.code == 404 || error.code == 429 {}
        }
    }

    /// Ends a node's upgrade: removes the order, labels it when `label` is given, and uncordons
    /// it if this controller cordoned it.
    private func finish(_ node: CoreV1.Node, label: String?, value: String?) async throws {
        var metadata: [String: JSONValue] = [
            "annotations": [UpgradeOrder.annotation: nil, Self.cordonedAnnotation: nil],
        ]
        if let label, let value { metadata["labels"] = .object([label: .string(value)]) }
        var patch: JSONValue = ["metadata": .object(.init(uniqueKeysWithValues: metadata.sorted { $0.key < $1.key }))]
        if node.metadata.annotations?[Self.cordonedAnnotation] == "true", case .object(var members) = patch {
            members["spec"] = ["unschedulable": nil]
            patch = .object(members)
        }
        _ = try await client.resource(CoreV1.Node.self).patch(node.metadata.name ?? "", type: .merge, body: patch)
    }

    /// A Warning event for a node's failed upgrade, once per outcome.
    private func report(_ plan: JSONValue, node: String, _ outcome: UpgradeOutcome) {
        guard reported.insert("\(node)|\(outcome.json)").inserted else { return }
        let reason = outcome.state == .rolledBack ? "RolledBack" : "UpgradeFailed"
        events.record(Self.reference(plan), type: .warning, reason: reason, message: "Node \(node): \(outcome.message)")
    }

    /// Writes the Plan's status when it changed.
    private func writeStatus(_ plan: JSONValue, resolved: Resolved?, applying: [String], conditions: [JSONValue]) async throws {
        var status: [String: JSONValue] = ["conditions": .array(conditions)]
        if let resolved {
            status["latestVersion"] = .string(resolved.version)
            status["latestHash"] = .string(resolved.hashLabel)
        }
        if !applying.isEmpty { status["applying"] = .array(applying.map { .string($0) }) }
        let wanted = JSONValue.object(.init(uniqueKeysWithValues: status.sorted { $0.key < $1.key }))
        if Self.comparable(plan["status"]) == Self.comparable(wanted) { return }
        var object = plan
        if case .object(var members) = object {
            members["status"] = wanted
            object = .object(members)
        }
        do {
            _ = try await client.dynamic(Self.plans, namespaced: true).update(object, subresource: "status")
        } catch let error as StatusError where error.code == 409 || error.code == 404 {}
    }

    /// A status without the conditions' transition times, to tell a real change from a rewrite.
    static func comparable(_ status: JSONValue?) -> String {
        guard case .object(var members)? = status else { return "" }
        if let conditions = members["conditions"]?.arrayValue {
            members["conditions"] = .array(conditions.map { condition in
                guard case .object(var fields) = condition else { return condition }
                fields.removeValue(forKey: "lastUpdateTime")
                return .object(fields)
            })
        }
        return String(decoding: JSONValue.object(members).serialized(escapingHTML: false), as: UTF8.self)
    }

    static func condition(_ type: String, _ status: Bool, reason: String, message: String) -> JSONValue {
        [
            "type": .string(type), "status": .string(status ? "True" : "False"), "reason": .string(reason),
            "message": .string(message), "lastUpdateTime": .string(Time.now().description),
        ]
    }

    static func key(_ plan: JSONValue) -> String {
        "\(plan[path: "metadata", "namespace"]?.stringValue ?? "")/\(plan[path: "metadata", "name"]?.stringValue ?? "")"
    }

    static func reference(_ plan: JSONValue) -> CoreV1.ObjectReference {
        CoreV1.ObjectReference(
            apiVersion: "upgrade.cattle.io/v1", kind: "Plan", name: plan[path: "metadata", "name"]?.stringValue,
            namespace: plan[path: "metadata", "namespace"]?.stringValue, uid: plan[path: "metadata", "uid"]?.stringValue)
    }
}

extension UpgradePlanController {
    /// Makes the `plans.upgrade.cattle.io` definition if missing and waits until it is served.
    public func ensureDefinition() async throws {
        try await DefinitionInstaller.ensure(Self.definition, apiVersion: "upgrade.cattle.io/v1", kind: "Plan", client: client)
    }

    /// system-upgrade-controller's Plan: the fields this controller reads, the rest kept as given.
    static let definition: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "plans.upgrade.cattle.io"],
        "spec": [
            "group": "upgrade.cattle.io", "scope": "Namespaced",
            "names": ["kind": "Plan", "listKind": "PlanList", "plural": "plans", "singular": "plan"],
            "versions": [[
                "name": "v1", "served": true, "storage": true,
                "subresources": ["status": [:]],
                "schema": ["openAPIV3Schema": [
                    "type": "object",
                    "properties": [
                        "spec": ["type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": [
                            "concurrency": ["type": "integer"], "version": ["type": "string"], "channel": ["type": "string"],
                            "serviceAccountName": ["type": "string"], "cordon": ["type": "boolean"],
                            "nodeSelector": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                            "drain": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                            "upgrade": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                        ]],
                        "status": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                    ],
                ]],
                "additionalPrinterColumns": [
                    ["name": "Image", "type": "string", "jsonPath": ".spec.upgrade.image"],
                    ["name": "Channel", "type": "string", "jsonPath": ".spec.channel"],
                    ["name": "Version", "type": "string", "jsonPath": ".spec.version"],
                    ["name": "Latest", "type": "string", "jsonPath": ".status.latestVersion"],
                    ["name": "Complete", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Complete\")].status"],
                    ["name": "Message", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Complete\")].message"],
                    ["name": "Applying", "type": "string", "jsonPath": ".status.applying"],
                ],
            ]],
        ],
    ]
}
