import KubeAPI
import KubeClient
import Logging

/// Deploys the manifests of `DATA_DIR/server/manifests`, as K3s's deploy controller does: every
/// `.yaml`, `.yml` and `.json` file (subdirectories too; not one with a `FILE.skip` beside it) is
/// applied at start and again whenever its contents change, and tracked by an `Addon`
/// (`k3s.cattle.io/v1`, in `kube-system`, named after the file) whose `spec.source` is the file
/// and `spec.checksum` its SHA-256 once applied.
///
/// Objects are applied with server-side apply under the field manager ``fieldManager``, taking
/// over fields others set (`force`); a namespaced object without a namespace goes to
/// `kube-system`, the Addon's. A file that does not parse, or whose objects the API refuses,
/// gets a Warning event `ApplyManifestFailed` on its Addon and is tried again when it changes;
/// the other files are applied all the same. Deleting a file deletes its Addon and leaves its
/// objects in place (K3s's documented behaviour).
public actor ManifestDeployer {
    /// The field manager of every apply.
    public static let fieldManager = "k3s-deploy"
    /// The namespace of the Addons, and of namespaced objects that name none.
    public static let namespace = "kube-system"
    /// The Addon resource.
    public static let addons = GroupVersionResource(group: "k3s.cattle.io", version: "v1", resource: "addons")

    let client: KubeClient
    let directory: String
    let disabled: Set<String>
    let events: EventRecorder
    let logger: Logger
    private var resources: [String: [String: (resource: String, namespaced: Bool)]] = [:]
    /// The checksum of the last failed attempt per Addon: reported once, retried on change.
    private var failed: [String: String] = [:]

    /// A deployer of `directory`'s manifests; files whose Addon name is in `disabled` are left out.
    public init(client: KubeClient, directory: String, disabled: Set<String> = [], events: EventRecorder, logger: Logger) {
        self.client = client
        self.directory = directory
        self.disabled = disabled
        self.events = events
        self.logger = logger
    }

    /// Makes the `addons.k3s.cattle.io` definition if missing and waits until it is served.
    public func ensureDefinition() async throws {
        try await DefinitionInstaller.ensure(Self.definition, apiVersion: "k3s.cattle.io/v1", kind: "Addon", client: client)
    }

    /// One pass: applies new and changed files, deletes the Addons of removed files.
    public func sync() async throws {
        let files = ManifestFile.scan(directory, disabled: disabled)
        let addonClient = client.dynamic(Self.addons, namespaced: true)
        var existing: [String: JSONValue] = [:]
        for addon in try await addonClient.list(namespace: Self.namespace).items {
            if let name = addon[path: "metadata", "name"]?.stringValue { existing[name] = addon }
        }
        var seen: Set<String> = []
        for file in files {
            guard seen.insert(file.name).inserted else {
                logger.warning("two manifests have the same Addon name; only the first is deployed", metadata: ["file": "\(file.path)"])
                continue
            }
            let addon = existing[file.name]
            if addon?[path: "spec", "checksum"]?.stringValue == file.checksum && addon?[path: "spec", "source"]?.stringValue == file.path {
                continue
            }
            if failed[file.name] == file.checksum { continue }
            await deploy(file, previous: addon)
        }
        for (name, addon) in existing where !seen.contains(name) {
            guard let source = addon[path: "spec", "source"]?.stringValue, source.hasPrefix(directory + "/") else { continue }
            do {
                _ = try await addonClient.delete(name, namespace: Self.namespace)
                logger.notice("manifest removed: deleted its Addon, its objects stay", metadata: ["addon": "\(name)", "file": "\(source)"])
            } catch let error as StatusError where error.code == 404 {}
            failed[name] = nil
        }
    }

    /// Applies one file and records the outcome on its Addon.
    private func deploy(_ file: ManifestFile, previous: JSONValue?) async {
        let addonClient = client.dynamic(Self.addons, namespaced: true)
        let addon: JSONValue
        do {
            addon = try await addonClient.apply(
                Self.addon(file, checksum: previous?[path: "spec", "checksum"]?.stringValue ?? "", kinds: previous?[path: "status", "gvks"]),
                fieldManager: Self.fieldManager, force: true)
        } catch {
            failed[file.name] = file.checksum
            logger.warning("cannot record the manifest's Addon", metadata: ["file": "\(file.path)", "error": "\(error)"])
            return
        }
        let reference = CoreV1.ObjectReference(
            apiVersion: "k3s.cattle.io/v1", kind: "Addon", name: file.name, namespace: Self.namespace,
            resourceVersion: addon[path: "metadata", "resourceVersion"]?.stringValue, uid: addon[path: "metadata", "uid"]?.stringValue)
        events.record(reference, type: .normal, reason: "ApplyingManifest", message: "Applying manifest at \"\(file.path)\"")
        do {
            var kinds: [String] = []
            for object in try file.objects() {
                kinds.append(try await apply(object, file: file))
            }
            var unique: [String] = []
            for kind in kinds where !unique.contains(kind) { unique.append(kind) }
            _ = try await addonClient.apply(
                Self.addon(file, checksum: file.checksum, kinds: .array(unique.map { .string($0) })),
                fieldManager: Self.fieldManager, force: true)
            failed[file.name] = nil
            events.record(reference, type: .normal, reason: "AppliedManifest", message: "Applied manifest at \"\(file.path)\"")
            logger.info("applied manifest", metadata: ["file": "\(file.path)", "objects": "\(kinds.count)"])
        } catch {
            failed[file.name] = file.checksum
            let message = "Failed to apply manifest at \"\(file.path)\": \(Self.describe(error))"
            events.record(reference, type: .warning, reason: "ApplyManifestFailed", message: message)
            logger.warning("manifest not applied", metadata: ["file": "\(file.path)", "error": "\(Self.describe(error))"])
        }
    }

    /// Applies one object; returns its `group/version, Kind=Kind` (as K3s lists them in `status.gvks`).
    private func apply(_ object: JSONValue, file: ManifestFile) async throws -> String {
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        let kind = object["kind"]?.stringValue ?? ""
        var found = resource(apiVersion: apiVersion, kind: kind)
        if found == nil {
            try await refreshDiscovery(apiVersion)
            found = resource(apiVersion: apiVersion, kind: kind)
        }
        guard let found else {
            throw ManifestError(file: file.path, reason: "the server has no resource for kind \(kind) in \(apiVersion)")
        }
        let parts = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        let gvr = GroupVersionResource(group: parts.count == 2 ? parts[0] : "", version: parts.last ?? "", resource: found.resource)
        var applied = object
        if found.namespaced, object[path: "metadata", "namespace"]?.stringValue?.isEmpty != false {
            applied = Self.setting(namespace: Self.namespace, in: object)
        }
        _ = try await client.dynamic(gvr, namespaced: found.namespaced).apply(applied, fieldManager: Self.fieldManager, force: true)
        let group = gvr.group.isEmpty ? "" : gvr.group + "/"
        return "\(group)\(gvr.version), Kind=\(kind)"
    }

    private func resource(apiVersion: String, kind: String) -> (resource: String, namespaced: Bool)? {
        resources[apiVersion]?[kind]
    }

    /// Reads the resources of one group version from the server's discovery document.
    private func refreshDiscovery(_ apiVersion: String) async throws {
        let path = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
        let document: JSONValue
        do {
            document = try JSONValue(parsing: try await client.send(KubeRequest(method: .get, path: path)))
        } catch let error as StatusError where error.code == 404 {
            resources[apiVersion] = [:]
            return
        }
        var kinds: [String: (resource: String, namespaced: Bool)] = [:]
        for entry in document["resources"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue, !name.contains("/"), let kind = entry["kind"]?.stringValue else { continue }
            kinds[kind] = (name, entry["namespaced"]?.boolValue ?? false)
        }
        resources[apiVersion] = kinds
    }

    /// `object` with `metadata.namespace` set.
    static func setting(namespace: String, in object: JSONValue) -> JSONValue {
        guard case .object(var members) = object, case .object(var metadata)? = members["metadata"] else { return object }
        metadata["namespace"] = .string(namespace)
        members["metadata"] = .object(metadata)
        return .object(members)
    }

    /// The message of an API refusal (its `Status` message) or any other error.
    static func describe(_ error: any Error) -> String {
        if let status = error as? StatusError { return status.message }
        return "\(error)"
    }

    /// The Addon of `file`.
    static func addon(_ file: ManifestFile, checksum: String, kinds: JSONValue?) -> JSONValue {
        var object: JSONValue = [
            "apiVersion": "k3s.cattle.io/v1", "kind": "Addon",
            "metadata": ["name": .string(file.name), "namespace": .string(namespace)],
            "spec": ["source": .string(file.path), "checksum": .string(checksum)],
        ]
        if let kinds, case .object(var members) = object {
            members["status"] = ["gvks": kinds]
            object = .object(members)
        }
        return object
    }

    /// The `addons.k3s.cattle.io` CustomResourceDefinition.
    static let definition: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "addons.k3s.cattle.io"],
        "spec": [
            "group": "k3s.cattle.io", "scope": "Namespaced",
            "names": ["kind": "Addon", "listKind": "AddonList", "plural": "addons", "singular": "addon"],
            "versions": [[
                "name": "v1", "served": true, "storage": true,
                "schema": ["openAPIV3Schema": [
                    "type": "object",
                    "properties": [
                        "spec": ["type": "object", "properties": [
                            "source": ["type": "string"], "checksum": ["type": "string"],
                        ]],
                        "status": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                    ],
                ]],
                "additionalPrinterColumns": [
                    ["name": "Source", "type": "string", "jsonPath": ".spec.source"],
                    ["name": "Checksum", "type": "string", "jsonPath": ".spec.checksum"],
                ],
            ]],
        ],
    ]
}
