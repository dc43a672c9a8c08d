import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Namespace controller")
struct NamespaceControllerTests {
    @Test func reportConditions() {
        let report = NamespaceDeletionReport(remaining: ["pods.": 2, "widgets.example.com": 1], finalizersRemaining: ["example.com/hold": 1])
        #expect(!report.isComplete)
        let conditions = report.conditions(now: Time(secondsSinceEpoch: 100), previous: [])
        let byType = Dictionary(uniqueKeysWithValues: conditions.map { ($0.type ?? "", $0) })
        #expect(byType["NamespaceContentRemaining"]?.status == "True")
        #expect(byType["NamespaceContentRemaining"]?.reason == "SomeResourcesRemain")
        #expect(byType["NamespaceContentRemaining"]?.message == "Some resources are remaining: pods. has 2 resource instances, widgets.example.com has 1 resource instances")
        #expect(byType["NamespaceFinalizersRemaining"]?.message == "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances")
        #expect(byType["NamespaceDeletionContentFailure"]?.status == "False")
        #expect(byType["NamespaceDeletionDiscoveryFailure"]?.reason == "ResourcesDiscovered")
        // A condition whose status did not change keeps its transition time.
        let later = NamespaceDeletionReport().conditions(now: Time(secondsSinceEpoch: 200), previous: conditions)
        #expect(later.first { $0.type == "NamespaceDeletionContentFailure" }?.lastTransitionTime == Time(secondsSinceEpoch: 100))
        #expect(later.first { $0.type == "NamespaceContentRemaining" }?.lastTransitionTime == Time(secondsSinceEpoch: 200))
        #expect(NamespaceDeletionReport().isComplete)
    }
}
