/// Which datastore keys are encrypted, and how: an ``EncryptionConfiguration`` resolved onto
/// the storage layout (`/registry/secrets/...`, `/registry/apps/deployments/...`; see
/// ``StorageKeys``).
public struct StorageEncryption: Sendable {
    /// One resolved rule: keys starting with any of `prefixes` use `transformer`.
    struct Route: Sendable {
        var prefixes: [String]
        var transformer: ValueTransformer
    }

    /// The configuration this was built from (`nil`: nothing is encrypted).
    public let configuration: EncryptionConfiguration?
    let routes: [Route]

    /// No encryption: every value is stored as it is.
    public static let none = StorageEncryption(configuration: nil, routes: [])

    private init(configuration: EncryptionConfiguration?, routes: [Route]) {
        self.configuration = configuration
        self.routes = routes
    }

    /// Resolves `configuration` for a store whose keys start with `root`. `coreResources` lists
    /// the core group's resources, which `*.` stands for.
    public init(configuration: EncryptionConfiguration, root: String = "/registry/", coreResources: [String] = []) {
        var routes: [Route] = []
        for rule in configuration.rules {
            var prefixes: [String] = []
            for resource in rule.resources {
                if resource == "*.*" {
                    prefixes.append(root)
                } else if resource == "*." {
                    prefixes += coreResources.map { "\(root)\($0)/" }
                } else if resource.hasPrefix("*.") {
                    prefixes.append("\(root)\(resource.dropFirst(2))/")
                } else if let dot = resource.firstIndex(of: ".") {
                    let name = resource[..<dot]
                    let group = resource[resource.index(after: dot)...]
                    prefixes.append(StorageKeys(root: root, group: String(group), resource: String(name), namespaced: true).resourcePrefix)
                } else {
                    prefixes.append(StorageKeys(root: root, group: "", resource: resource, namespaced: true).resourcePrefix)
                }
            }
            routes.append(Route(prefixes: prefixes, transformer: ValueTransformer(providers: rule.providers)))
        }
        self.init(configuration: configuration, routes: routes)
    }

    /// The transformer of the first rule covering `key`; `nil` when the key is stored as it is.
    public func transformer(forKey key: String) -> ValueTransformer? {
        for route in routes where route.prefixes.contains(where: { key.hasPrefix($0) }) {
            return route.transformer
        }
        return nil
    }
}
