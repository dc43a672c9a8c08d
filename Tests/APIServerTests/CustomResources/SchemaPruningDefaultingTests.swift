import KubeAPI
import Testing
@testable import APIServer

/// Pruning of unknown fields and defaulting from `default`, on the schema alone.
@Suite struct SchemaPruningDefaultingTests {
    static let schema = StructuralSchema([
        "type": "object",
        "properties": [
            "spec": [
                "type": "object",
                "properties": [
                    "known": ["type": "string", "default": "d"],
                    "list": ["type": "array", "items": ["type": "object", "properties": ["a": ["type": "integer", "default": 7]]]],
                    "map": ["type": "object", "additionalProperties": ["type": "object", "properties": ["x": ["type": "string"]]]],
                    "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": ["typed": ["type": "object", "properties": ["k": ["type": "string"]]]]],
                    "port": ["x-kubernetes-int-or-string": true],
                    "embedded": ["type": "object", "x-kubernetes-embedded-resource": true, "properties": ["spec": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]],
                    "nullable": ["type": "string", "default": "filled"],
                ],
            ],
        ],
    ])

    @Test func pruneReportsAndRemovesUnknownFields() {
        var object: JSONValue = [
            "apiVersion": "x/v1", "kind": "K", "metadata": ["name": "n", "junk": 1], "top": 1,
            "spec": [
                "known": "k", "unknown": 1,
                "list": [["a": 1, "b": 2]],
                "map": ["m1": ["x": "1", "y": "2"]],
                "free": ["anything": ["goes": true], "typed": ["k": "v", "drop": 1]],
                "port": 80,
                "embedded": ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": ["x": 1], "other": 1],
            ],
        ]
        let removed = Self.schema.prune(&object, isRoot: true)
        #expect(removed == [
            "metadata.junk", "top", "spec.unknown", "spec.list[0].b", "spec.map.m1.y", "spec.free.typed.drop", "spec.embedded.other",
        ])
        #expect(object["top"] == nil)
        #expect(object[path: "spec", "free", "anything", "goes"] == true)
        #expect(object[path: "spec", "embedded", "kind"] == "Pod")
        #expect(object[path: "spec", "embedded", "spec", "x"] == 1)
        #expect(object[path: "spec", "port"] == 80)
        #expect(object[path: "metadata", "name"] == "n")
    }

    @Test func unknownFieldsLeavesTheValueAlone() {
        let object: JSONValue = ["spec": ["unknown": 1]]
        #expect(Self.schema.unknownFields(in: object, isRoot: true) == ["spec.unknown"])
        #expect(object[path: "spec", "unknown"] == 1)
    }

    @Test func defaultsFillMissingAndNullMembers() {
        var object: JSONValue = ["spec": ["list": [.object([:]), ["a": 3]], "nullable": .null]]
        Self.schema.applyDefaults(&object)
        #expect(object[path: "spec", "known"] == "d")
        #expect(object[path: "spec", "list"] == [["a": 7], ["a": 3]])
        #expect(object[path: "spec", "nullable"] == "filled")
    }

    @Test func defaultsDoNotCreateMissingParents() {
        var object: JSONValue = ["metadata": ["name": "x"]]
        Self.schema.applyDefaults(&object)
        #expect(object["spec"] == nil)
    }

    @Test func builtinPrunerDropsUnknownNestedFields() {
        let descriptor = ResourceDescriptor.builtin.first { $0.group == "apps" && $0.resource == "deployments" }!
        var object = FieldValidationTests.deployment(extra: true)
        let removed = BuiltinSchemaPruner().prune(&object, descriptor: descriptor)
        #expect(removed == ["spec.template.spec.containers[0].bogusContainerField", "spec.foo"])
        #expect(object[path: "spec", "template", "spec", "containers", "0", "image"] == "nginx")
        #expect(object[path: "spec", "selector", "matchLabels", "app"] == "w")
    }
}
