import KubeAPI

/// One served version of a custom resource, as its CustomResourceDefinition describes it:
/// the descriptor the registry serves, the parsed schema, printer columns and the scale
/// subresource's paths.
public struct ServedCustomResource: Sendable {
    /// The CRD's name (`crontabs.stable.example.com`).
    public var definitionName: String
    /// What the registry, discovery and OpenAPI serve.
    public var descriptor: ResourceDescriptor
    /// The version objects are stored at.
    public var storageVersion: String
    /// The parsed `openAPIV3Schema`, if any.
    public var schema: StructuralSchema?
    /// The `additionalPrinterColumns` (CRD JSON).
    public var printerColumns: [JSONValue]
    /// The scale subresource's paths, if the version has one.
    public var scale: ScaleSubresourcePaths?
    /// Whether the CRD is being deleted (new objects are refused).
    public var terminating: Bool

    /// The served versions of `crd` (a CustomResourceDefinition object). An invalid CRD gives
    /// whatever can be read from it; validate it first with ``CustomResourceDefinitionValidation``.
    public static func versions(of crd: JSONValue) -> [ServedCustomResource] {
        let spec = crd["spec"] ?? .object([:])
        let group = spec["group"]?.stringValue ?? ""
        let names = spec["names"] ?? .object([:])
        let plural = names["plural"]?.stringValue ?? ""
        let kind = names["kind"]?.stringValue ?? ""
        let singular = names["singular"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? kind.lowercased()
        let listKind = names["listKind"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? kind + "List"
        let shortNames = (names["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue)
        let categories = (names["categories"]?.arrayValue ?? []).compactMap(\.stringValue)
        let namespaced = (spec["scope"]?.stringValue ?? "") == "Namespaced"
        let versions = spec["versions"]?.arrayValue ?? []
        let storage = versions.first { $0["storage"]?.boolValue == true }?["name"]?.stringValue ?? ""
        let terminating = crd["metadata"]?["deletionTimestamp"].map { !$0.isNull } ?? false
        var served: [ServedCustomResource] = []
        for version in versions where version["served"]?.boolValue == true {
            let name = version["name"]?.stringValue ?? ""
            let subresources = version["subresources"] ?? .object([:])
            var subs: [ResourceDescriptor.Subresource] = []
            if subresources["status"] != nil {
                subs.append(.init(name: "status", kind: kind, verbs: ["get", "patch", "update"]))
            }
            var scale: ScaleSubresourcePaths? = nil
            if let scaleSpec = subresources["scale"], scaleSpec.objectValue != nil {
                subs.append(.init(name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"]))
                scale = ScaleSubresourcePaths(
                    specReplicasPath: scaleSpec["specReplicasPath"]?.stringValue ?? ".spec.replicas",
                    statusReplicasPath: scaleSpec["statusReplicasPath"]?.stringValue ?? ".status.replicas",
                    labelSelectorPath: scaleSpec["labelSelectorPath"]?.stringValue)
            }
            let descriptor = ResourceDescriptor(
                group: group, version: name, resource: plural, singularName: singular, kind: kind, listKind: listKind,
                namespaced: namespaced,
                verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
                shortNames: shortNames, categories: categories, subresources: subs, scalePaths: scale)
            served.append(ServedCustomResource(
                definitionName: crd.metadataString("name"), descriptor: descriptor, storageVersion: storage,
                schema: version[path: "schema", "openAPIV3Schema"].map(StructuralSchema.init),
                printerColumns: version["additionalPrinterColumns"]?.arrayValue ?? [],
                scale: scale, terminating: terminating))
        }
        return served
    }
}
