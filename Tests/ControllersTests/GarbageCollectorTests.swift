import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Garbage collector decisions")
struct OwnerDecisionTests {
    static func ref(_ uid: String, block: Bool = true) -> MetaV1.OwnerReference {
        MetaV1.OwnerReference(apiVersion: "v1", blockOwnerDeletion: block, controller: true, kind: "ConfigMap", name: "o-\(uid)", uid: uid)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var owners: [String]
        var states: [String: OwnerState]
        var finalizers: [String] = []
        var hasDependents = false
        var expected: OwnerDecision
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "no owners", owners: [], states: [:], expected: .keep),
        Case(name: "living owner", owners: ["a"], states: ["a": .present], expected: .keep),
        Case(name: "gone owner", owners: ["a"], states: ["a": .absent], expected: .delete(.background)),
        Case(name: "one of two gone", owners: ["a", "b"], states: ["a": .present, "b": .absent], expected: .removeOwnerReferences(["b"])),
        Case(name: "foreground owner and a living one", owners: ["a", "b"], states: ["a": .present, "b": .waitingForDependents], expected: .removeOwnerReferences(["b"])),
        Case(name: "foreground owner, dependent has dependents", owners: ["a"], states: ["a": .waitingForDependents], hasDependents: true, expected: .delete(.foreground)),
        Case(name: "foreground owner, leaf dependent", owners: ["a"], states: ["a": .waitingForDependents], expected: .delete(.background)),
        Case(name: "gone owner, dependent asks orphan", owners: ["a"], states: ["a": .absent], finalizers: ["orphan"], expected: .delete(.orphan)),
        Case(name: "gone owner, dependent asks foreground", owners: ["a"], states: ["a": .absent], finalizers: ["foregroundDeletion"], expected: .delete(.foreground)),
    ])
    func decide(_ item: Case) {
        let decision = OwnerDecision.decide(
            owners: item.owners.map { Self.ref($0) }, state: { item.states[$0.uid ?? ""] ?? .present },
            finalizers: item.finalizers, hasDependents: item.hasDependents)
        #expect(decision == item.expected)
    }

    @Test func graphSchedulesDependentsOfDeletedOwner() {
        var graph = OwnerGraph()
        let owner = GraphObject(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "owner", uid: "o")
        let dependent = GraphObject(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "dep", uid: "d", owners: [Self.ref("o")])
        _ = graph.upsert(owner)
        // Its owner is known: nothing to verify.
        #expect(graph.upsert(dependent).attemptToDelete.isEmpty)
        #expect(graph.dependents["o"] == ["d"])
        #expect(graph.remove(uid: "o").attemptToDelete == ["d"])
    }

    @Test func graphVerifiesUnknownOwnersAndForegroundTransitions() {
        var graph = OwnerGraph()
        let dependent = GraphObject(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "dep", uid: "d", owners: [Self.ref("o")])
        #expect(graph.upsert(dependent).attemptToDelete == ["d"])
        var owner = GraphObject(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "owner", uid: "o")
        _ = graph.upsert(owner)
        owner.beingDeleted = true
        owner.finalizers = ["foregroundDeletion"]
        #expect(graph.upsert(owner).attemptToDelete == ["o", "d"])
        #expect(graph.blockingDependents(of: "o").map(\.uid) == ["d"])
        // The last blocking dependent leaving wakes the owner.
        #expect(graph.remove(uid: "d").attemptToDelete == ["o"])
        owner.finalizers = ["orphan"]
        #expect(graph.upsert(owner).attemptToOrphan == ["o"])
    }
}
