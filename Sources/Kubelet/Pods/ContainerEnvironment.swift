import KubeAPI

/// Resolves a container's environment as upstream does: service variables first, then
/// `envFrom` sources in order (keys that are not valid names are skipped and reported), then
/// `env` entries in order; a later definition of a name replaces the earlier one in place.
/// `value`s expand `$(VAR)` references to variables defined before them.
public struct ContainerEnvironment: Sendable {
    /// The variables, in order.
    public var variables: [(name: String, value: String)] = []
    /// `envFrom` keys skipped because they are not valid variable names (with the prefix).
    public var invalidKeys: [String] = []

    /// Creates an empty environment.
    public init() {}

    /// Defines or redefines a variable (a redefinition keeps the first position).
    public mutating func set(_ name: String, _ value: String) {
        if let index = variables.firstIndex(where: { $0.name == name }) {
            variables[index].value = value
        } else {
            variables.append((name: name, value: value))
        }
    }

    /// The value of `name`, if defined.
    public func value(of name: String) -> String? {
        variables.first { $0.name == name }?.value
    }

    /// Resolves the environment of `container` in `downward.pod`, reading configMaps and secrets
    /// from `source` (each at most once).
    /// - Throws: ``PodConfigError`` with upstream's message for a missing configMap, secret or
    ///   key that is not optional, or an unsupported field path.
    public static func resolve(
        _ container: CoreV1.Container, downward: DownwardAPI, services: [(name: String, value: String)] = [],
        source: any PodObjectSource
    ) async throws -> ContainerEnvironment {
        var environment = ContainerEnvironment()
        for (name, value) in services { environment.set(name, value) }
        let namespace = downward.pod.metadata.namespace ?? "default"
        var objects = ObjectCache(source: source, namespace: namespace)
        for from in container.envFrom ?? [] {
            let prefix = from.prefix ?? ""
            var entries: [String: String] = [:]
            if let reference = from.configMapRef, let name = reference.name {
                guard let configMap = try await objects.configMap(name) else {
                    if reference.optional == true { continue }
                    throw PodConfigError("configmap \"\(name)\" not found")
                }
                entries = configMap.data ?? [:]
            } else if let reference = from.secretRef, let name = reference.name {
                guard let secret = try await objects.secret(name) else {
                    if reference.optional == true { continue }
                    throw PodConfigError("secret \"\(name)\" not found")
                }
                entries = secret.decodedData.mapValues { String(decoding: $0, as: UTF8.self) }
            }
            for key in entries.keys.sorted() {
                let name = prefix + key
                guard VariableExpansion.isValidName(name) else {
                    environment.invalidKeys.append(name)
                    continue
                }
                environment.set(name, entries[key] ?? "")
            }
        }
        for variable in container.env ?? [] {
            guard let name = variable.name else { continue }
            guard let from = variable.valueFrom else {
                let raw = variable.value ?? ""
                environment.set(name, VariableExpansion.expand(raw) { environment.value(of: $0) })
                continue
            }
            if let field = from.fieldRef {
                environment.set(name, try downward.field(field.fieldPath ?? ""))
            } else if let resource = from.resourceFieldRef {
                environment.set(name, try downward.resource(resource, container: container))
            } else if let selector = from.configMapKeyRef, let objectName = selector.name, let key = selector.key {
                guard let configMap = try await objects.configMap(objectName) else {
                    if selector.optional == true { continue }
                    throw PodConfigError("configmap \"\(objectName)\" not found")
                }
                guard let value = configMap.data?[key] else {
                    if selector.optional == true { continue }
                    throw PodConfigError("couldn't find key \(key) in ConfigMap \(namespace)/\(objectName)")
                }
                environment.set(name, value)
            } else if let selector = from.secretKeyRef, let objectName = selector.name, let key = selector.key {
                guard let secret = try await objects.secret(objectName) else {
                    if selector.optional == true { continue }
                    throw PodConfigError("secret \"\(objectName)\" not found")
                }
                guard let value = secret.decodedData[key] else {
                    if selector.optional == true { continue }
                    throw PodConfigError("couldn't find key \(key) in Secret \(namespace)/\(objectName)")
                }
                environment.set(name, String(decoding: value, as: UTF8.self))
            }
        }
        return environment
    }
}

/// ConfigMaps and secrets of one namespace, each read at most once.
struct ObjectCache {
    let source: any PodObjectSource
    let namespace: String
    var configMaps: [String: CoreV1.ConfigMap?] = [:]
    var secrets: [String: CoreV1.Secret?] = [:]

    init(source: any PodObjectSource, namespace: String) {
        self.source = source
        self.namespace = namespace
    }

    mutating func configMap(_ name: String) async throws -> CoreV1.ConfigMap? {
        if let cached = configMaps[name] { return cached }
        let object = try await source.configMap(name, namespace: namespace)
        configMaps[name] = .some(object)
        return object
    }

    mutating func secret(_ name: String) async throws -> CoreV1.Secret? {
        if let cached = secrets[name] { return cached }
        let object = try await source.secret(name, namespace: namespace)
        secrets[name] = .some(object)
        return object
    }
}

extension CoreV1.Secret {
    /// `data` decoded from base64, with `stringData` (never stored, but a test may set it) on top.
    var decodedData: [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for (key, value) in data ?? [:] {
            result[key] = (try? Base64.decode(value)) ?? Array(value.utf8)
        }
        for (key, value) in stringData ?? [:] { result[key] = Array(value.utf8) }
        return result
    }
}

extension CoreV1.ConfigMap {
    /// `data` as bytes, with `binaryData` decoded from base64.
    var contents: [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for (key, value) in data ?? [:] { result[key] = Array(value.utf8) }
        for (key, value) in binaryData ?? [:] { result[key] = (try? Base64.decode(value)) ?? Array(value.utf8) }
        return result
    }
}
