import KubeAPI
import KubeClient

/// Makes a CustomResourceDefinition a built-in component needs and waits until the API serves it.
enum DefinitionInstaller {
    static let definitions = GroupVersionResource(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions")

    /// Creates `definition` unless it exists, then waits (up to 30 s) until discovery of
    /// `apiVersion` lists `kind`.
    static func ensure(_ definition: JSONValue, apiVersion: String, kind: String, client: KubeClient) async throws {
        do {
            _ = try await client.dynamic(definitions, namespaced: false).create(definition)
        } catch let error as StatusError where error.code == 409 {}
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            if let document = try? JSONValue(parsing: try await client.send(KubeRequest(method: .get, path: "/apis/\(apiVersion)"))),
                document["resources"]?.arrayValue?.contains(where: { $0["kind"]?.stringValue == kind }) == true
            {
                return
            }
            guard ContinuousClock.now < deadline else { throw StatusError.serviceUnavailable("\(kind) is not served yet") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
