#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import OrderedCollections

/// One column of a `meta.k8s.io/v1` Table.
public struct TableColumn: Sendable, Hashable {
    /// The header (`Name`, `Ready`, ...); kubectl upper-cases it.
    public var name: String
    /// The OpenAPI type of the cells (`string`, `integer`, `number`, `boolean`, `date`).
    public var type: String
    /// An optional format hint (`name` marks the object name column).
    public var format: String
    /// A short explanation of the column.
    public var description: String
    /// 0 for default columns, 1 and up for those `kubectl get -o wide` adds.
    public var priority: Int

    /// Creates a column.
    public init(name: String, type: String = "string", format: String = "", description: String, priority: Int = 0) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
    }

    /// The `TableColumnDefinition` JSON.
    public var json: JSONValue {
        [
            "name": .string(name), "type": .string(type), "format": .string(format),
            "description": .string(description), "priority": .int(Int64(priority)),
        ]
    }
}

/// Server-side printing: turns objects into the `meta.k8s.io/v1` Table kubectl asks for with
/// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with the columns kubectl shows for
/// the built-in kinds (including the `-o wide` ones at priority 1), a CRD's
/// `additionalPrinterColumns`, or else name and age.
public struct TablePrinter: Sendable {
    /// The current time in seconds since the Unix epoch (AGE and other durations).
    public let now: @Sendable () -> Double

    /// Creates a printer reading the system clock, or `now` in tests.
    public init(now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.now = now
    }

    /// Builds a Table of `objects`, all of the resource `descriptor`.
    ///
    /// - Parameters:
    ///   - objects: The objects (complete JSON).
    ///   - descriptor: Their resource.
    ///   - listMeta: The list's `metadata` (resourceVersion, continue, remainingItemCount), if a list.
    ///   - includeObject: `None`, `Metadata` (the default when `nil`) or `Object`: what each row's
    ///     `object` carries (nothing, a `PartialObjectMetadata`, or the whole object).
    ///   - printerColumns: A custom resource's `additionalPrinterColumns` (CRD JSON); `nil` for
    ///     built-in printing. An empty list gives name and age.
    public func table(
        for objects: [JSONValue], descriptor: ResourceDescriptor, listMeta: JSONValue? = nil,
        includeObject: String? = nil, printerColumns: [JSONValue]? = nil
    ) -> JSONValue {
        let now = self.now()
        let printer: Printer
        if let printerColumns {
            printer = Self.customPrinter(printerColumns)
        } else {
            printer = Self.builtinPrinter(group: descriptor.group, resource: descriptor.resource)
        }
        var rows: [JSONValue] = []
        rows.reserveCapacity(objects.count)
        for object in objects {
            var row: OrderedDictionary<String, JSONValue> = ["cells": .array(printer.cells(object, now))]
            if let conditions = printer.conditions?(object) { row["conditions"] = conditions }
            switch includeObject {
            case "None":
                break
            case "Object":
                row["object"] = object
            default:
                row["object"] = PartialObjectMetadata.object(object)
            }
            rows.append(.object(row))
        }
        var metadata: JSONValue = listMeta ?? [:]
        if listMeta == nil, objects.count == 1, let rv = objects[0][path: "metadata", "resourceVersion"] {
            metadata = ["resourceVersion": rv]
        }
        return [
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": metadata,
            "columnDefinitions": .array(printer.columns.map(\.json)),
            "rows": .array(rows),
        ]
    }

    /// How one resource is printed.
    struct Printer: Sendable {
        var columns: [TableColumn]
        var cells: @Sendable (JSONValue, Double) -> [JSONValue]
        var conditions: (@Sendable (JSONValue) -> JSONValue?)? = nil
    }

    // MARK: Shared columns

    static let nameColumn = TableColumn(name: "Name", format: "name", description: "The object's unique name within its namespace or the cluster.")
    static let ageColumn = TableColumn(name: "Age", description: "Time since the object was created.")
    static let createdAtColumn = TableColumn(name: "Created At", type: "date", description: "When the object was created (RFC 3339).")
    static let containersColumn = TableColumn(name: "Containers", description: "Names of the pod template's containers.", priority: 1)
    static let imagesColumn = TableColumn(name: "Images", description: "Images of the pod template's containers.", priority: 1)
    static let selectorColumn = TableColumn(name: "Selector", description: "The label selector.", priority: 1)

    /// The printer of a built-in resource; name and age for those without their own.
    static func builtinPrinter(group: String, resource: String) -> Printer {
        switch (group, resource) {
        case ("", "pods"): return podPrinter
        case ("apps", "deployments"): return deploymentPrinter
        case ("apps", "replicasets"): return replicaSetPrinter
        case ("", "replicationcontrollers"): return replicationControllerPrinter
        case ("apps", "statefulsets"): return statefulSetPrinter
        case ("apps", "daemonsets"): return daemonSetPrinter
        case ("batch", "jobs"): return jobPrinter
        case ("batch", "cronjobs"): return cronJobPrinter
        case ("", "services"): return servicePrinter
        case ("", "endpoints"): return endpointsPrinter
        case ("networking.k8s.io", "ingresses"): return ingressPrinter
        case ("networking.k8s.io", "ingressclasses"): return ingressClassPrinter
        case ("networking.k8s.io", "networkpolicies"): return networkPolicyPrinter
        case ("", "nodes"): return nodePrinter
        case ("", "namespaces"): return namespacePrinter
        case ("", "configmaps"): return configMapPrinter
        case ("", "secrets"): return secretPrinter
        case ("", "events"), ("events.k8s.io", "events"): return eventPrinter
        case ("", "serviceaccounts"): return serviceAccountPrinter
        case ("", "persistentvolumes"): return persistentVolumePrinter
        case ("", "persistentvolumeclaims"): return persistentVolumeClaimPrinter
        case ("storage.k8s.io", "storageclasses"): return storageClassPrinter
        case ("rbac.authorization.k8s.io", "roles"), ("rbac.authorization.k8s.io", "clusterroles"): return rolePrinter
        case ("rbac.authorization.k8s.io", "rolebindings"), ("rbac.authorization.k8s.io", "clusterrolebindings"): return roleBindingPrinter
        case ("apiextensions.k8s.io", "customresourcedefinitions"): return defaultPrinter
        case ("discovery.k8s.io", "endpointslices"): return endpointSlicePrinter
        case ("coordination.k8s.io", "leases"): return leasePrinter
        case ("scheduling.k8s.io", "priorityclasses"): return priorityClassPrinter
        case ("apps", "controllerrevisions"): return controllerRevisionPrinter
        default: return nameAgePrinter
        }
    }

    /// Name and age.
    static let nameAgePrinter = Printer(columns: [nameColumn, ageColumn]) { object, now in
        [name(object), age(object, now)]
    }

    /// The generic table: name and creation time (RFC 3339).
    static let defaultPrinter = Printer(columns: [nameColumn, createdAtColumn]) { object, _ in
        [name(object), object[path: "metadata", "creationTimestamp"] ?? .null]
    }

    // MARK: Helpers

    static func name(_ object: JSONValue) -> JSONValue {
        .string(object[path: "metadata", "name"]?.stringValue ?? "")
    }

    /// The AGE cell: the human duration since `metadata.creationTimestamp`, `<unknown>` without one.
    static func age(_ object: JSONValue, _ now: Double) -> JSONValue {
        .string(since(object[path: "metadata", "creationTimestamp"]?.stringValue, now))
    }

    /// The human duration from an RFC 3339 timestamp to `now`; `<unknown>` when absent or invalid.
    static func since(_ timestamp: String?, _ now: Double) -> String {
        guard let timestamp, let seconds = RFC3339.seconds(timestamp) else { return "<unknown>" }
        return HumanDuration.format(seconds: now - seconds)
    }

    static func string(_ object: JSONValue, _ path: String...) -> String? {
        object[path: path]?.stringValue
    }

    static func int(_ object: JSONValue, _ path: String...) -> Int64 {
        object[path: path]?.intValue ?? 0
    }

    static func array(_ object: JSONValue, _ path: String...) -> [JSONValue] {
        object[path: path]?.arrayValue ?? []
    }

    static func orNone(_ text: String?) -> JSONValue {
        guard let text, !text.isEmpty else { return "<none>" }
        return .string(text)
    }

    /// `k=v,k2=v2` of a string map in key order (labels.FormatLabels), `<none>` when empty.
    static func formatLabels(_ map: JSONValue?) -> String {
        guard let object = map?.objectValue, !object.isEmpty else { return "<none>" }
        return object.keys.sorted().map { "\($0)=\(object[$0]?.stringValue ?? "")" }.joined(separator: ",")
    }

    /// A label selector in kubectl's text form (`app=web,tier in (a,b)`); `<none>` when empty.
    static func formatSelector(_ selector: JSONValue?) -> String {
        guard let selector, selector.objectValue != nil else { return "<none>" }
        var parts: [String] = []
        if let labels = selector["matchLabels"]?.objectValue {
            parts += labels.keys.sorted().map { "\($0)=\(labels[$0]?.stringValue ?? "")" }
        }
        for requirement in selector["matchExpressions"]?.arrayValue ?? [] {
            let key = requirement["key"]?.stringValue ?? ""
            let values = (requirement["values"]?.arrayValue ?? []).compactMap(\.stringValue)
            switch requirement["operator"]?.stringValue ?? "" {
            case "In": parts.append("\(key) in (\(values.joined(separator: ",")))")
            case "NotIn": parts.append("\(key) notin (\(values.joined(separator: ",")))")
            case "Exists": parts.append(key)
            case "DoesNotExist": parts.append("!\(key)")
            case let other: parts.append("\(key) \(other) (\(values.joined(separator: ",")))")
            }
        }
        return parts.isEmpty ? "<none>" : parts.joined(separator: ",")
    }

    /// The container names and images of a pod spec, comma-joined.
    static func containersAndImages(_ podSpec: JSONValue?) -> (JSONValue, JSONValue) {
        let containers = podSpec?["containers"]?.arrayValue ?? []
        let names = containers.map { $0["name"]?.stringValue ?? "" }.joined(separator: ",")
        let images = containers.map { $0["image"]?.stringValue ?? "" }.joined(separator: ",")
        return (.string(names), .string(images))
    }
}
