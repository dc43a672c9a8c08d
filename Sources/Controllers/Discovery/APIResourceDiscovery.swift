import KubeAPI
import KubeClient

/// One resource the API server serves, as discovery describes it.
public struct DiscoveredResource: Sendable, Hashable {
    /// Group, version and plural name.
    public var resource: GroupVersionResource
    /// The kind of its objects.
    public var kind: String
    /// Whether objects live in namespaces.
    public var namespaced: Bool
    /// The verbs it supports (`list`, `delete`, `deletecollection`, ...).
    public var verbs: Set<String>

    /// Creates a description.
    public init(resource: GroupVersionResource, kind: String, namespaced: Bool, verbs: Set<String>) {
        self.resource = resource
        self.kind = kind
        self.namespaced = namespaced
        self.verbs = verbs
    }
}

/// Reads the server's legacy discovery documents (`/api/v1`, `/apis`, `/apis/<group>/<version>`)
/// into a flat list of resources, preferred version of each group only, subresources left out.
public struct APIResourceDiscovery: Sendable {
    /// The client discovery requests go through.
    public let client: KubeClient

    /// Creates a reader.
    public init(client: KubeClient) { self.client = client }

    /// Every top-level resource of the preferred version of every group.
    ///
    /// - Throws: the `StatusError` of a failed request, or ``KubeClientError`` for an unreadable document.
    public func resources() async throws -> [DiscoveredResource] {
        var result = try await resources(group: "", version: "v1", path: "/api/v1")
        let groups = try await document("/apis")
        for group in groups["groups"]?.arrayValue ?? [] {
            guard let name = group["name"]?.stringValue,
                  let version = group[path: "preferredVersion", "version"]?.stringValue else { continue }
            // A group whose version fails (an unavailable aggregated API) is skipped.
            if let found = try? await resources(group: name, version: version, path: "/apis/\(name)/\(version)") {
                result += found
            }
        }
        return result
    }

    func resources(group: String, version: String, path: String) async throws -> [DiscoveredResource] {
        let list = try await document(path)
        return (list["resources"]?.arrayValue ?? []).compactMap { entry in
            guard let name = entry["name"]?.stringValue, !name.contains("/"),
                  let kind = entry["kind"]?.stringValue else { return nil }
            return DiscoveredResource(
                resource: GroupVersionResource(group: group, version: version, resource: name), kind: kind,
                namespaced: entry["namespaced"]?.boolValue ?? false,
                verbs: Set((entry["verbs"]?.arrayValue ?? []).compactMap(\.stringValue)))
        }
    }

    func document(_ path: String) async throws -> JSONValue {
        let body = try await client.send(KubeRequest(method: .get, path: path, headers: [("Accept", "application/json")]))
        do {
            return try JSONValue(parsing: body)
        } catch {
            throw KubeClientError("cannot read the discovery document \(path): \(error)")
        }
    }
}
