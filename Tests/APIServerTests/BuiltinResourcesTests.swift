import Testing
import KubeAPI
@testable import APIServer

@Suite struct BuiltinResourcesTests {
    @Test func everyStoredResourceHasAGeneratedKind() {
        // Resources that are only created (reviews, bindings, token requests) have no list kind.
        for descriptor in ResourceDescriptor.builtin where descriptor.supports("get") {
            #expect(
                KubernetesKinds.objectType(for: descriptor.groupVersionKind) != nil,
                "no Swift type for \(descriptor.groupVersionKind)"
            )
        }
    }

    @Test func subresourcesAreAttachedToTheirParents() throws {
        let deployments = try #require(ResourceDescriptor.builtin.first { $0.resource == "deployments" })
        let scale = try #require(deployments.subresource("scale"))
        #expect(scale.kind == "Scale")
        #expect(scale.group == "autoscaling")
        #expect(deployments.subresource("status") != nil)
        #expect(ResourceDescriptor.builtin.allSatisfy { !$0.resource.contains("/") })
    }

    @Test func namesAreUniquePerGroupVersion() {
        var seen = Set<GroupVersionResource>()
        for descriptor in ResourceDescriptor.builtin {
            #expect(seen.insert(descriptor.groupVersionResource).inserted, "\(descriptor.groupVersionResource) twice")
        }
    }
}
