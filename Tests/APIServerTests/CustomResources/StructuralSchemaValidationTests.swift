import KubeAPI
import Testing
@testable import APIServer

/// Every schema keyword custom objects are validated against, with valid and invalid values
/// and upstream's exact messages.
@Suite struct StructuralSchemaValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var schema: JSONValue
        var value: JSONValue
        var errors: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "type integer ok", schema: ["type": "integer"], value: 3, errors: []),
        Case(name: "type integer given string", schema: ["type": "integer"], value: "string",
             errors: [#"spec.f: Invalid value: "string": spec.f in body must be of type integer: "string""#]),
        Case(name: "type integer given fraction", schema: ["type": "integer"], value: 1.5,
             errors: [#"spec.f: Invalid value: "number": spec.f in body must be of type integer: "number""#]),
        Case(name: "type string given object", schema: ["type": "string"], value: ["a": 1],
             errors: [#"spec.f: Invalid value: "object": spec.f in body must be of type string: "object""#]),
        Case(name: "type boolean", schema: ["type": "boolean"], value: "true",
             errors: [#"spec.f: Invalid value: "string": spec.f in body must be of type boolean: "string""#]),
        Case(name: "type array", schema: ["type": "array", "items": ["type": "string"]], value: "x",
             errors: [#"spec.f: Invalid value: "string": spec.f in body must be of type array: "string""#]),
        Case(name: "number accepts integer", schema: ["type": "number"], value: 2, errors: []),
        Case(name: "null not nullable", schema: ["type": "string"], value: .null,
             errors: [#"spec.f: Invalid value: "null": spec.f in body must be of type string: "null""#]),
        Case(name: "null nullable", schema: ["type": "string", "nullable": true], value: .null, errors: []),
        Case(name: "format int32 overflow", schema: ["type": "integer", "format": "int32"], value: 3_000_000_000,
             errors: [#"spec.f: Invalid value: 3000000000: spec.f in body must be of type int32: "3000000000""#]),
        Case(name: "format int64 ok", schema: ["type": "integer", "format": "int64"], value: 3_000_000_000, errors: []),
        Case(name: "format date-time ok", schema: ["type": "string", "format": "date-time"], value: "2024-01-02T03:04:05Z", errors: []),
        Case(name: "format date-time bad", schema: ["type": "string", "format": "date-time"], value: "yesterday",
             errors: [#"spec.f: Invalid value: "yesterday": spec.f in body must be of type date-time: "yesterday""#]),
        Case(name: "format date bad", schema: ["type": "string", "format": "date"], value: "2024-13-01",
             errors: [#"spec.f: Invalid value: "2024-13-01": spec.f in body must be of type date: "2024-13-01""#]),
        Case(name: "format byte ok", schema: ["type": "string", "format": "byte"], value: "aGVsbG8=", errors: []),
        Case(name: "format byte bad", schema: ["type": "string", "format": "byte"], value: "not base64!",
             errors: [#"spec.f: Invalid value: "not base64!": spec.f in body must be of type byte: "not base64!""#]),
        Case(name: "format uuid bad", schema: ["type": "string", "format": "uuid"], value: "1234",
             errors: [#"spec.f: Invalid value: "1234": spec.f in body must be of type uuid: "1234""#]),
        Case(name: "format ipv4 ok", schema: ["type": "string", "format": "ipv4"], value: "10.0.0.1", errors: []),
        Case(name: "format ipv4 bad", schema: ["type": "string", "format": "ipv4"], value: "10.0.0.256",
             errors: [#"spec.f: Invalid value: "10.0.0.256": spec.f in body must be of type ipv4: "10.0.0.256""#]),
        Case(name: "format unknown ignored", schema: ["type": "string", "format": "color"], value: "blue", errors: []),
        Case(name: "enum ok", schema: ["type": "string", "enum": ["a", "b"]], value: "a", errors: []),
        Case(name: "enum bad", schema: ["type": "string", "enum": ["a", "b"]], value: "x",
             errors: [#"spec.f: Unsupported value: "x": supported values: "a", "b""#]),
        Case(name: "minimum", schema: ["type": "integer", "minimum": 1], value: 0,
             errors: ["spec.f: Invalid value: 0: spec.f in body should be greater than or equal to 1"]),
        Case(name: "minimum boundary ok", schema: ["type": "integer", "minimum": 1], value: 1, errors: []),
        Case(name: "exclusive minimum", schema: ["type": "integer", "minimum": 1, "exclusiveMinimum": true], value: 1,
             errors: ["spec.f: Invalid value: 1: spec.f in body should be greater than 1"]),
        Case(name: "maximum", schema: ["type": "number", "maximum": 2.5], value: 3,
             errors: ["spec.f: Invalid value: 3: spec.f in body should be less than or equal to 2.5"]),
        Case(name: "exclusive maximum", schema: ["type": "integer", "maximum": 10, "exclusiveMaximum": true], value: 10,
             errors: ["spec.f: Invalid value: 10: spec.f in body should be less than 10"]),
        Case(name: "maxLength", schema: ["type": "string", "maxLength": 3], value: "abcd",
             errors: ["spec.f: Too long: must have at most 3 bytes"]),
        Case(name: "minLength", schema: ["type": "string", "minLength": 3], value: "ab",
             errors: [#"spec.f: Invalid value: "ab": spec.f in body should be at least 3 chars long"#]),
        Case(name: "pattern ok", schema: ["type": "string", "pattern": "^[a-z]+$"], value: "abc", errors: []),
        Case(name: "pattern bad", schema: ["type": "string", "pattern": "^[a-z]+$"], value: "ab1",
             errors: [#"spec.f: Invalid value: "ab1": spec.f in body should match '^[a-z]+$'"#]),
        Case(name: "maxItems", schema: ["type": "array", "items": ["type": "integer"], "maxItems": 2], value: [1, 2, 3],
             errors: ["spec.f: Too many: 3: must have at most 2 items"]),
        Case(name: "minItems", schema: ["type": "array", "items": ["type": "integer"], "minItems": 2], value: [1],
             errors: ["spec.f: Invalid value: 1: spec.f in body should have at least 2 items"]),
        Case(name: "uniqueItems", schema: ["type": "array", "items": ["type": "integer"], "uniqueItems": true], value: [1, 2, 1],
             errors: ["spec.f: Invalid value: [1,2,1]: spec.f in body shouldn't contain duplicates"]),
        Case(name: "items typed", schema: ["type": "array", "items": ["type": "integer"]], value: [1, "x"],
             errors: [#"spec.f[1]: Invalid value: "string": spec.f[1] in body must be of type integer: "string""#]),
        Case(name: "maxProperties", schema: ["type": "object", "additionalProperties": ["type": "string"], "maxProperties": 1], value: ["a": "1", "b": "2"],
             errors: ["spec.f: Too many: 2: must have at most 1 items"]),
        Case(name: "minProperties", schema: ["type": "object", "additionalProperties": ["type": "string"], "minProperties": 2], value: ["a": "1"],
             errors: ["spec.f: Invalid value: 1: spec.f in body should have at least 2 properties"]),
        Case(name: "required", schema: ["type": "object", "required": ["name"], "properties": ["name": ["type": "string"]]], value: .object([:]),
             errors: ["spec.f.name: Required value"]),
        Case(name: "nested property", schema: ["type": "object", "properties": ["port": ["type": "integer", "maximum": 65535]]], value: ["port": 70000],
             errors: ["spec.f.port: Invalid value: 70000: spec.f.port in body should be less than or equal to 65535"]),
        Case(name: "additionalProperties schema", schema: ["type": "object", "additionalProperties": ["type": "integer"]], value: ["a": 1, "b": "x"],
             errors: [#"spec.f.b: Invalid value: "string": spec.f.b in body must be of type integer: "string""#]),
        Case(name: "int-or-string int", schema: ["x-kubernetes-int-or-string": true], value: 80, errors: []),
        Case(name: "int-or-string string", schema: ["x-kubernetes-int-or-string": true], value: "http", errors: []),
        Case(name: "int-or-string bool", schema: ["x-kubernetes-int-or-string": true], value: true,
             errors: [#"spec.f: Invalid value: "boolean": spec.f in body must be of type integer,string: "boolean""#]),
        Case(name: "preserve-unknown-fields any", schema: ["x-kubernetes-preserve-unknown-fields": true], value: ["x": [1, "y"]], errors: []),
        Case(name: "embedded resource needs kind", schema: ["type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true],
             value: ["apiVersion": "v1"], errors: ["spec.f.kind: Required value: must not be empty"]),
        Case(name: "list-type set duplicate", schema: ["type": "array", "items": ["type": "string"], "x-kubernetes-list-type": "set"], value: ["a", "b", "a"],
             errors: [#"spec.f[2]: Duplicate value: "a""#]),
        Case(name: "list-type map duplicate key",
             schema: ["type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                      "items": ["type": "object", "properties": ["name": ["type": "string"], "v": ["type": "integer"]]]],
             value: [["name": "a", "v": 1], ["name": "a", "v": 2]],
             errors: [#"spec.f[1]: Duplicate value: {"name":"a"}"#]),
        Case(name: "list-type map distinct", schema: ["type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                                                      "items": ["type": "object", "properties": ["name": ["type": "string"]]]],
             value: [["name": "a"], ["name": "b"]], errors: []),
    ]

    @Test(arguments: cases)
    func keyword(_ c: Case) {
        let errors = StructuralSchema(c.schema).validate(c.value, at: "spec.f").map(\.description)
        #expect(errors == c.errors)
    }

    @Test func causesCarryReasonAndField() {
        let errors = StructuralSchema(["type": "integer"]).validate("x", at: "spec.replicas")
        #expect(errors.first?.kind == .typeInvalid)
        #expect(errors.first?.field == "spec.replicas")
    }
}
