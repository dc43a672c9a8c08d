import KubeAPI
import Testing
@testable import APIServer

/// Bad CustomResourceDefinitions and the messages they get, checked directly and through the
/// REST handler (422 Invalid).
@Suite struct CustomResourceDefinitionValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var change: @Sendable (inout JSONValue) -> Void
        var message: String
        var testDescription: String { name }
    }

    static func setSpec(_ crd: inout JSONValue, _ path: [String], _ value: JSONValue?) {
        crd = setting(crd, path[...], value)
    }

    static func setting(_ value: JSONValue, _ path: ArraySlice<String>, _ new: JSONValue?) -> JSONValue {
        guard let first = path.first else { return new ?? .null }
        if case .array(var items) = value, let index = Int(first) {
            items[index] = setting(items[index], path.dropFirst(), new)
            return .array(items)
        }
        var copy = value
        if path.count == 1 { copy.setMember(first, new) } else { copy.setMember(first, setting(value[first] ?? .object([:]), path.dropFirst(), new)) }
        return copy
    }

    static let cases: [Case] = [
        Case(name: "name mismatch", change: { $0.setMember("metadata", ["name": "tabs.stable.example.com"]) },
             message: #"metadata.name: Invalid value: "tabs.stable.example.com": must be spec.names.plural+"."+spec.group"#),
        Case(name: "group without dot", change: { setSpec(&$0, ["spec", "group"], "example"); $0.setMember("metadata", ["name": "crontabs.example"]) },
             message: #"spec.group: Invalid value: "example": should be a domain with at least one dot"#),
        Case(name: "scope missing", change: { setSpec(&$0, ["spec", "scope"], nil) }, message: "spec.scope: Required value"),
        Case(name: "scope bad", change: { setSpec(&$0, ["spec", "scope"], "Global") },
             message: #"spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced""#),
        Case(name: "kind missing", change: { setSpec(&$0, ["spec", "names", "kind"], nil) }, message: "spec.names.kind: Required value"),
        Case(name: "plural not a label", change: { setSpec(&$0, ["spec", "names", "plural"], "Cron_Tabs"); $0.setMember("metadata", ["name": "Cron_Tabs.stable.example.com"]) },
             message: #"spec.names.plural: Invalid value: "Cron_Tabs": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#),
        Case(name: "kind equals listKind", change: { setSpec(&$0, ["spec", "names", "listKind"], "CronTab") },
             message: #"spec.names.listKind: Invalid value: "CronTab": kind and listKind may not be the same"#),
        Case(name: "no versions", change: { setSpec(&$0, ["spec", "versions"], .array([])) },
             message: "spec.versions: Required value: must have at least one version"),
        Case(name: "no storage version", change: { setSpec(&$0, ["spec", "versions", "0", "storage"], false) },
             message: #"spec.versions: Invalid value: [{"name":"v1","served":true,"storage":false}]: must have exactly one version marked as storage version"#),
        Case(name: "schema missing", change: { setSpec(&$0, ["spec", "versions", "0", "schema"], nil) },
             message: "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"),
        Case(name: "root type missing", change: { setSpec(&$0, ["spec", "versions", "0", "schema", "openAPIV3Schema", "type"], nil) },
             message: "spec.versions[0].schema.openAPIV3Schema.type: Required value: must not be empty at the root"),
        Case(name: "property type missing", change: { setSpec(&$0, ["spec", "versions", "0", "schema", "openAPIV3Schema", "properties", "spec", "properties", "image", "type"], nil) },
             message: "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[image].type: Required value: must not be empty for specified object fields"),
        Case(name: "items type missing", change: { setSpec(&$0, ["spec", "versions", "0", "schema", "openAPIV3Schema", "properties", "spec", "properties", "tags", "items", "type"], nil) },
             message: "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[tags].items.type: Required value: must not be empty for specified array items"),
        Case(name: "unknown type", change: { setSpec(&$0, ["spec", "versions", "0", "schema", "openAPIV3Schema", "properties", "spec", "properties", "image", "type"], "text") },
             message: #"spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[image].type: Unsupported value: "text": supported values: "array", "boolean", "integer", "number", "object", "string""#),
        Case(name: "scale path outside spec", change: { setSpec(&$0, ["spec", "versions", "0", "subresources", "scale", "specReplicasPath"], ".status.replicas") },
             message: #"spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec"#),
        Case(name: "printer column type", change: { setSpec(&$0, ["spec", "versions", "0", "additionalPrinterColumns", "0", "type"], "text") },
             message: #"spec.versions[0].additionalPrinterColumns[0].type: Unsupported value: "text": supported values: "boolean", "date", "integer", "number", "string""#),
        Case(name: "default of the wrong type", change: { setSpec(&$0, ["spec", "versions", "0", "schema", "openAPIV3Schema", "properties", "spec", "properties", "replicas", "default"], "one") },
             message: #"spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[replicas].default: Invalid value: "string": default in body must be of type integer: "string""#),
        Case(name: "list-type map without keys", change: { setSpec(&$0, ["spec", "versions", "0", "schema", "openAPIV3Schema", "properties", "spec", "properties", "tags", "x-kubernetes-list-type"], "map") },
             message: "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[tags].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"),
        Case(name: "two storage versions", change: {
            let version = $0[path: "spec", "versions", "0"]!
            var second = version
            second.setMember("name", "v2")
            setSpec(&$0, ["spec", "versions"], [version, second])
        }, message: #"spec.versions: Invalid value: [{"name":"v1","served":true,"storage":true},{"name":"v2","served":true,"storage":true}]: must have exactly one version marked as storage version"#),
    ]

    @Test func validDefinitionHasNoErrors() {
        var crd = CustomResourceFixture.cronTabCRD()
        CustomResourceCatalog.defaultDefinition(&crd)
        #expect(CustomResourceDefinitionValidation.errors(crd).map(\.description) == [])
    }

    @Test(arguments: cases)
    func invalid(_ c: Case) {
        var crd = CustomResourceFixture.cronTabCRD()
        CustomResourceCatalog.defaultDefinition(&crd)
        c.change(&crd)
        let messages = CustomResourceDefinitionValidation.errors(crd).map(\.description)
        #expect(messages.contains(c.message), "got \(messages)")
    }

    @Test func restRefusesInvalidDefinitionWith422() async throws {
        let f = try await CustomResourceFixture()
        defer { f.stop() }
        var crd = CustomResourceFixture.cronTabCRD()
        Self.setSpec(&crd, ["spec", "scope"], "Global")
        let reply = await f.send(.post, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: crd)
        #expect(reply.status == 422)
        #expect(reply.reason == "Invalid")
        #expect(reply.message == #"CustomResourceDefinition.apiextensions.k8s.io "crontabs.stable.example.com" is invalid: spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced""#)
    }

    @Test func scopeIsImmutable() async throws {
        let f = try await CustomResourceFixture()
        defer { f.stop() }
        try await f.establish(CustomResourceFixture.cronTabCRD())
        let path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com"
        let reply = await f.send(.patch, path, body: ["spec": ["scope": "Cluster"]], contentType: "application/merge-patch+json")
        #expect(reply.status == 422)
        #expect(reply.message.contains(#"spec.scope: Invalid value: "Cluster": field is immutable"#))
    }
}
