import KubeAPI

/// The VolumeBinding plugin for one pod: what its persistent volume claims allow.
///
/// Before any node is tried (upstream's PreFilter), a missing claim, a claim being deleted, a
/// claim whose named storage class does not exist and an unbound claim whose class binds
/// immediately (or that has no class) make the pod unschedulable everywhere. Per node (Filter):
/// a claim bound to a volume with node affinity admits only the nodes it matches; a claim bound
/// to a missing volume admits none; an unbound `WaitForFirstConsumer` claim admits the node
/// already selected for it, else any node the class's `allowedTopologies` allow when the class
/// has a provisioner, else (`kubernetes.io/no-provisioner`) only a node where an available
/// volume fits it. The unbound `WaitForFirstConsumer` claims are what the scheduler then
/// annotates with the chosen node (``claimsToSelect``).
public struct VolumeBinding: Sendable {
    /// Reason for a claim bound to a volume that does not exist.
    public static let volumeMissingReason = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
    /// Reason for a bound volume whose node affinity rejects the node.
    public static let nodeConflictReason = "node(s) had volume node affinity conflict"
    /// Reason for an unbound claim the node cannot get a volume for.
    public static let bindConflictReason = "node(s) didn't find available persistent volumes to bind"
    /// PreFilter message for an unbound claim that binds immediately.
    public static let unboundImmediateMessage = "pod has unbound immediate PersistentVolumeClaims"
    static let plugin = "VolumeBinding"

    /// Why no node can take the pod, decided before trying nodes (`nil` when nodes may).
    public private(set) var preFilterFailure: String?
    /// Claims (`namespace/name`) that wait for this pod's node: unbound, of a
    /// `WaitForFirstConsumer` class, with no node selected yet.
    public private(set) var claimsToSelect: [String] = []
    /// Whether ``filter(_:)`` has anything to check.
    public var filterActive: Bool { !boundTerms.isEmpty || missingVolume || !delayed.isEmpty }

    private var boundTerms: [[NodeSelectorMatcher.Term]] = []
    private var missingVolume = false
    private var delayed: [Delayed] = []

    /// An unbound `WaitForFirstConsumer` claim.
    private struct Delayed: Sendable {
        var claim: CoreV1.PersistentVolumeClaim
        var selectedNode: String?
        var provisioned: Bool
        var allowedTopologies: [CoreV1.TopologySelectorTerm]
        var candidates: [(volume: CoreV1.PersistentVolume, terms: [NodeSelectorMatcher.Term]?)]
    }

    /// Runs the checks that need no node.
    public init(pod: PodInfo, catalog: VolumeCatalog) {
        let names = pod.claimNames
        guard !names.isEmpty else { return }
        for name in names {
            let key = pod.namespace + "/" + name
            guard let claim = catalog.claims[key] else {
                preFilterFailure = "persistentvolumeclaim \"\(name)\" not found"
                return
            }
            if claim.metadata.deletionTimestamp != nil {
                preFilterFailure = "persistentvolumeclaim \"\(name)\" is being deleted"
                return
            }
            if let volumeName = claim.boundVolumeName {
                guard let volume = catalog.volumes[volumeName] else {
                    missingVolume = true
                    continue
                }
                if let terms = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms {
                    boundTerms.append(terms.map(NodeSelectorMatcher.compile))
                }
                continue
            }
            let storageClass = claim.className.isEmpty ? nil : catalog.classes[claim.className]
            if !claim.className.isEmpty && storageClass == nil {
                preFilterFailure = "storageclass.storage.k8s.io \"\(claim.className)\" not found"
                return
            }
            guard let storageClass, storageClass.waitsForFirstConsumer else {
                preFilterFailure = Self.unboundImmediateMessage
                return
            }
            let selected = catalog.selectedNode(of: claim)
            let provisioned = (storageClass.provisioner ?? "") != VolumeBindingNames.noProvisioner
            var candidates: [(volume: CoreV1.PersistentVolume, terms: [NodeSelectorMatcher.Term]?)] = []
            if !provisioned {
                let selector = try? LabelSelector(claim.spec?.selector)
                for volume in catalog.volumes.values
                where volume.spec?.claimRef == nil && volume.metadata.deletionTimestamp == nil && volume.satisfies(claim, selector: selector) {
                    candidates.append((volume, volume.spec?.nodeAffinity?.required?.nodeSelectorTerms.map { $0.map(NodeSelectorMatcher.compile) }))
                }
            }
            delayed.append(Delayed(claim: claim, selectedNode: selected, provisioned: provisioned,
                                   allowedTopologies: storageClass.allowedTopologies ?? [], candidates: candidates))
            if selected == nil { claimsToSelect.append(key) }
        }
    }

    /// Whether the node suits every claim; the first failure otherwise.
    public func filter(_ node: NodeInfo) -> FilterFailure? {
        if missingVolume { return FilterFailure(.unresolvable, plugin: Self.plugin, Self.volumeMissingReason) }
        for terms in boundTerms where !terms.contains(where: { $0.matches(labels: node.labels, nodeName: node.name) }) {
            return FilterFailure(.unresolvable, plugin: Self.plugin, Self.nodeConflictReason)
        }
        for claim in delayed where !admits(claim, node) {
            return FilterFailure(.unresolvable, plugin: Self.plugin, Self.bindConflictReason)
        }
        return nil
    }

    private func admits(_ claim: Delayed, _ node: NodeInfo) -> Bool {
        if let selected = claim.selectedNode, selected != node.name { return false }
        if claim.provisioned {
            guard !claim.allowedTopologies.isEmpty else { return true }
            return claim.allowedTopologies.contains { term in
                (term.matchLabelExpressions ?? []).allSatisfy { requirement in
                    node.labels[requirement.key ?? ""].map { (requirement.values ?? []).contains($0) } ?? false
                }
            }
        }
        return claim.candidates.contains { candidate in
            guard let terms = candidate.terms else { return true }
            return terms.contains { $0.matches(labels: node.labels, nodeName: node.name) }
        }
    }
}
