import Foundation
import KubeAPI
@testable import KubeClient
import Testing

@Suite("Managed fields stripped for caches")
struct ManagedFieldsStripperTests {
    static func stripped(_ text: String) throws -> JSONValue {
        let result = ManagedFieldsStripper.strip(Array(text.utf8))
        return try JSONValue(parsing: result)
    }

    static let managed = #"[{"manager":"kubectl","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:a}]\"":{}}}}}]"#

    @Test(arguments: [
        // Member in the middle, first, last and alone.
        (#"{"metadata":{"name":"p","managedFields":@MF@,"uid":"u"},"spec":{}}"#, #"{"metadata":{"name":"p","uid":"u"},"spec":{}}"#),
        (#"{"metadata":{"managedFields":@MF@,"name":"p"}}"#, #"{"metadata":{"name":"p"}}"#),
        (#"{"metadata":{"name":"p", "managedFields" : @MF@ }}"#, #"{"metadata":{"name":"p"}}"#),
        (#"{"metadata":{"managedFields":@MF@}}"#, #"{"metadata":{}}"#),
        (#"{"metadata":{"managedFields":null,"name":"p"}}"#, #"{"metadata":{"name":"p"}}"#),
        // A watch frame and a list.
        (#"{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"p","managedFields":@MF@}}}"#, #"{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"p"}}}"#),
        (#"{"items":[{"metadata":{"name":"a","managedFields":@MF@}},{"metadata":{"managedFields":@MF@,"name":"b"}}],"metadata":{"resourceVersion":"5"}}"#,
         #"{"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}],"metadata":{"resourceVersion":"5"}}"#),
    ])
    func removesTheManagedFieldsOfMetadata(input: String, expected: String) throws {
        let text = input.replacingOccurrences(of: "@MF@", with: Self.managed)
        #expect(try Self.stripped(text) == JSONValue(parsing: Array(expected.utf8)))
    }

    @Test func leavesMembersOfTheSameNameElsewhere() throws {
        let text = #"{"metadata":{"name":"m","annotations":{"x":"\"managedFields\":[1]"}},"data":{"managedFields":"kept"},"spec":{"managedFields":[1]}}"#
        #expect(try Self.stripped(text) == JSONValue(parsing: Array(text.utf8)))
    }

    @Test func leavesMalformedTextAlone() {
        let text = Array(#"{"metadata":{"managedFields":[{"a":"#.utf8)
        #expect(ManagedFieldsStripper.strip(text) == text)
    }

    @Test func decodedObjectsEqualTheOriginalWithoutManagedFields() throws {
        var pod = CoreV1.Pod(metadata: .init(labels: ["app": "x"], name: "p", namespace: "default"), spec: .init(containers: [.init(image: "i", name: "c")]))
        let plain = pod
        pod.metadata.managedFields = [MetaV1.ManagedFieldsEntry(apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: ["f:spec": [:]], manager: "m", operation: "Update")]
        let bytes = ManagedFieldsStripper.strip(Array(try JSONValue(encoding: pod).serialized(escapingHTML: false)))
        #expect(try JSONValue(parsing: bytes).decode(CoreV1.Pod.self) == plain)
    }
}
