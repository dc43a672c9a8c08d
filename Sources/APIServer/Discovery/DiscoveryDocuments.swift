import Crypto
import KubeAPI
import OrderedCollections

/// Builds the discovery documents (legacy `APIVersions`, `APIGroupList`, `APIGroup`,
/// `APIResourceList`, and aggregated `APIGroupDiscoveryList` v2) from a catalog snapshot, in the
/// shapes and orders a Kubernetes API server uses.
public struct DiscoveryDocuments: Sendable {
    /// The resources described.
    public let entries: [DiscoveryCatalog.Entry]
    /// The address advertised in `/api`'s `serverAddressByClientCIDRs` (`10.0.0.1:6443`), if any.
    public let serverAddress: String?

    /// Creates the documents for `entries`.
    public init(entries: [DiscoveryCatalog.Entry], serverAddress: String? = nil) {
        self.entries = entries
        self.serverAddress = serverAddress
    }

    /// The order in which a Kubernetes 1.36 API server lists its built-in groups; other groups
    /// (custom resources) follow in name order.
    public static let builtinGroupOrder: [String] = [
        "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
        "autoscaling", "batch", "certificates.k8s.io", "networking.k8s.io", "policy", "rbac.authorization.k8s.io",
        "storage.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io",
        "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io", "resource.k8s.io", "flowcontrol.apiserver.k8s.io",
    ]

    // MARK: Structure

    /// The non-core groups in discovery order, each with its versions in preference order.
    public var groups: [(name: String, versions: [String])] {
        var versionsByGroup: [String: Set<String>] = [:]
        for entry in entries where !entry.descriptor.group.isEmpty {
            versionsByGroup[entry.descriptor.group, default: []].insert(entry.descriptor.version)
        }
        let rank = Dictionary(uniqueKeysWithValues: Self.builtinGroupOrder.enumerated().map { ($1, $0) })
        let names = versionsByGroup.keys.sorted { a, b in
            switch (rank[a], rank[b]) {
            case let (x?, y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
        return names.map { ($0, versionsByGroup[$0]!.sorted(by: KubeVersion.isPreferred)) }
    }

    /// The core group's versions (`["v1"]` when anything is served there).
    public var coreVersions: [String] {
        Set(entries.filter { $0.descriptor.group.isEmpty }.map(\.descriptor.version)).sorted(by: KubeVersion.isPreferred)
    }

    /// The entries served at `group`/`version`, sorted by resource name.
    func entries(group: String, version: String) -> [DiscoveryCatalog.Entry] {
        entries.filter { $0.descriptor.group == group && $0.descriptor.version == version }
            .sorted { $0.descriptor.resource < $1.descriptor.resource }
    }

    // MARK: Legacy documents

    /// `GET /api`: the `APIVersions` of the core group.
    public func apiVersions() -> JSONValue {
        var object: OrderedDictionary<String, JSONValue> = ["kind": "APIVersions"]
        object["versions"] = .array(coreVersions.map { .string($0) })
        if let serverAddress {
            object["serverAddressByClientCIDRs"] = [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]
        }
        return .object(object)
    }

    /// `GET /apis`: the `APIGroupList`.
    public func apiGroupList() -> JSONValue {
        [
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": .array(groups.map { groupBody(name: $0.name, versions: $0.versions) }),
        ]
    }

    /// `GET /apis/GROUP`: the `APIGroup`, or `nil` if the group is not served.
    public func apiGroup(_ name: String) -> JSONValue? {
        guard let group = groups.first(where: { $0.name == name }) else { return nil }
        var body = groupBody(name: group.name, versions: group.versions).objectValue ?? [:]
        body.updateValue("v1", forKey: "apiVersion", insertingAt: 0)
        body.updateValue("APIGroup", forKey: "kind", insertingAt: 0)
        return .object(body)
    }

    private func groupBody(name: String, versions: [String]) -> JSONValue {
        let list: [JSONValue] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return [
            "name": .string(name),
            "versions": .array(list),
            "preferredVersion": list.first ?? .null,
        ]
    }

    /// `GET /api/v1` or `GET /apis/GROUP/VERSION`: the `APIResourceList`, or `nil` if nothing is
    /// served there.
    public func apiResourceList(group: String, version: String) -> JSONValue? {
        let served = entries(group: group, version: version)
        guard !served.isEmpty else { return nil }
        var rows: [(String, JSONValue)] = []
        for entry in served {
            let d = entry.descriptor
            var object: OrderedDictionary<String, JSONValue> = [
                "name": .string(d.resource),
                "singularName": .string(d.singularName),
                "namespaced": .bool(d.namespaced),
                "kind": .string(d.kind),
                "verbs": .array(d.verbs.map { .string($0) }),
            ]
            if !d.shortNames.isEmpty { object["shortNames"] = .array(d.shortNames.map { .string($0) }) }
            if !d.categories.isEmpty { object["categories"] = .array(d.categories.map { .string($0) }) }
            if let hash = storageVersionHash(entry) { object["storageVersionHash"] = .string(hash) }
            rows.append((d.resource, .object(object)))
            for sub in d.subresources {
                var object: OrderedDictionary<String, JSONValue> = [
                    "name": .string("\(d.resource)/\(sub.name)"),
                    "singularName": "",
                    "namespaced": .bool(d.namespaced),
                ]
                if let g = sub.group { object["group"] = .string(g) }
                if let v = sub.version { object["version"] = .string(v) }
                object["kind"] = .string(sub.kind)
                object["verbs"] = .array(sub.verbs.map { .string($0) })
                rows.append(("\(d.resource)/\(sub.name)", .object(object)))
            }
        }
        rows.sort { $0.0 < $1.0 }
        var document: OrderedDictionary<String, JSONValue> = ["kind": "APIResourceList"]
        if !group.isEmpty { document["apiVersion"] = "v1" }
        document["groupVersion"] = .string(group.isEmpty ? version : "\(group)/\(version)")
        document["resources"] = .array(rows.map(\.1))
        return .object(document)
    }

    /// The `storageVersionHash` of a stored (watchable) resource: the first eight bytes of the
    /// SHA-256 of `group/version/kind` of the storage version, in base64.
    func storageVersionHash(_ entry: DiscoveryCatalog.Entry) -> String? {
        let d = entry.descriptor
        guard d.supports("watch") else { return nil }
        let group = entry.storageVersion?.group ?? d.group
        let version = entry.storageVersion?.version ?? d.version
        let digest = SHA256.hash(data: Array("\(group)/\(version)/\(d.kind)".utf8))
        return Base64.encode(Array(digest.prefix(8)))
    }

    // MARK: Aggregated documents

    /// The aggregated discovery list (`apidiscovery.k8s.io/v2`) of the core group (`/api`) or of
    /// every other group (`/apis`).
    public func aggregated(core: Bool) -> JSONValue {
        var items: [JSONValue] = []
        if core {
            let versions = coreVersions
            if !versions.isEmpty {
                items.append(["metadata": [:], "versions": .array(versions.map { aggregatedVersion(group: "", version: $0) })])
            }
        } else {
            for group in groups {
                items.append([
                    "metadata": ["name": .string(group.name)],
                    "versions": .array(group.versions.map { aggregatedVersion(group: group.name, version: $0) }),
                ])
            }
        }
        return [
            "kind": "APIGroupDiscoveryList",
            "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": [:],
            "items": .array(items),
        ]
    }

    private func aggregatedVersion(group: String, version: String) -> JSONValue {
        let resources: [JSONValue] = entries(group: group, version: version).map { entry in
            let d = entry.descriptor
            var object: OrderedDictionary<String, JSONValue> = [
                "resource": .string(d.resource),
                "responseKind": ["group": "", "version": "", "kind": .string(d.kind)],
                "scope": d.namespaced ? "Namespaced" : "Cluster",
                "singularResource": .string(d.singularName),
                "verbs": .array(d.verbs.map { .string($0) }),
            ]
            if !d.shortNames.isEmpty { object["shortNames"] = .array(d.shortNames.map { .string($0) }) }
            if !d.categories.isEmpty { object["categories"] = .array(d.categories.map { .string($0) }) }
            let subs = d.subresources.sorted { $0.name < $1.name }
            if !subs.isEmpty {
                object["subresources"] = .array(subs.map { sub in
                    [
                        "subresource": .string(sub.name),
                        "responseKind": [
                            "group": .string(sub.group ?? ""), "version": .string(sub.version ?? ""), "kind": .string(sub.kind),
                        ],
                        "verbs": .array(sub.verbs.map { .string($0) }),
                    ]
                })
            }
            return .object(object)
        }
        return ["version": .string(version), "resources": .array(resources), "freshness": "Current"]
    }
}

/// Kubernetes' version ordering: GA before beta before alpha, higher numbers first, then any
/// other version string in name order.
public enum KubeVersion {
    /// `true` when `a` is preferred over `b`.
    public static func isPreferred(_ a: String, _ b: String) -> Bool {
        switch (parse(a), parse(b)) {
        case let (x?, y?):
            if x.major != y.major { return x.major > y.major }
            if x.stability != y.stability { return x.stability > y.stability }
            return x.minor > y.minor
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a < b
        }
    }

    /// Parses `v<major>[(alpha|beta)<minor>]`; stability is 2 for GA, 1 beta, 0 alpha.
    static func parse(_ version: String) -> (major: Int, stability: Int, minor: Int)? {
        guard version.hasPrefix("v") else { return nil }
        let rest = version.dropFirst()
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard let major = Int(digits), major > 0, digits.first != "0" else { return nil }
        let tail = rest.dropFirst(digits.count)
        if tail.isEmpty { return (major, 2, 0) }
        for (label, stability) in [("beta", 1), ("alpha", 0)] where tail.hasPrefix(label) {
            let number = tail.dropFirst(label.count)
            guard let minor = Int(number), minor > 0, number.first != "0" else { return nil }
            return (major, stability, minor)
        }
        return nil
    }
}
