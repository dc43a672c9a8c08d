import Testing
@testable import KubeAPI

@Suite struct GroupVersionKindTests {
    @Test(arguments: [
        ("v1", "", "v1"),
        ("apps/v1", "apps", "v1"),
        ("rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io", "v1"),
    ])
    func parsesAPIVersion(apiVersion: String, group: String, version: String) {
        let gvk = GroupVersionKind(apiVersion: apiVersion, kind: "Thing")
        #expect(gvk.group == group)
        #expect(gvk.version == version)
        #expect(gvk.apiVersion == apiVersion)
    }
}
