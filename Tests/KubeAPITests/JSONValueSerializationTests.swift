import Foundation
import Testing
@testable import KubeAPI

@Suite struct JSONValueSerializationTests {
    @Test(arguments: [
        (JSONValue.null, "null"),
        (.bool(true), "true"),
        (.int(0), "0"),
        (.int(-12), "-12"),
        (.int(.min), "-9223372036854775808"),
        (.int(.max), "9223372036854775807"),
        (.double(1.5), "1.5"),
        (.double(2), "2"),
        (.double(-0.0), "-0"),
        (.double(100), "100"),
        (.double(0.1), "0.1"),
        (.double(0.000001), "0.000001"),
        (.double(0.0000001), "1e-7"),
        (.double(1.5e-7), "1.5e-7"),
        (.double(1.25e-10), "1.25e-10"),
        (.double(Double("123456789012345680000")!), "123456789012345680000"),
        (.double(1e21), "1e+21"),
        (.double(1.5e300), "1.5e+300"),
        (.double(12345.678), "12345.678"),
        (.double(.infinity), "null"),
        (.double(.nan), "null"),
        (.string("plain"), "\"plain\""),
        (.string("q\"b\\s/"), #""q\"b\\s/""#),
        (.string("\n\r\t\u{8}\u{c}\u{1}\u{1f}"), #""\n\r\t\b\f\u0001\u001f""#),
        (.string("<a&b>"), #""\u003ca\u0026b\u003e""#),
        (.string("x\u{2028}y\u{2029}z"), #""x\u2028y\u2029z""#),
        (.string("é😀€"), "\"é😀€\""),
        (.array([]), "[]"),
        (.array([1, "a", nil, [true]] as [JSONValue]), #"[1,"a",null,[true]]"#),
        (.object([:]), "{}"),
        (["b": 1, "a": ["c": 2.5]] as JSONValue, #"{"b":1,"a":{"c":2.5}}"#),
    ])
    func serializes(value: JSONValue, expected: String) {
        #expect(value.serializedString() == expected)
        #expect(value.serialized() == Array(expected.utf8))
    }

    @Test func htmlEscapingCanBeTurnedOff() {
        #expect(JSONValue.string("<a&b>").serializedString(escapingHTML: false) == "\"<a&b>\"")
    }

    @Test(arguments: [
        #"{"a":[1,2.5,-3e-7,"x\u003cy"],"b":{"c":null,"d":true},"e":"\u00e9\ud83d\ude00"}"#,
        #"[0,-0.5,1e+300,123456789,9223372036854775807,"\\\"\n"]"#,
        #"{"z":{},"y":[],"x":""}"#,
    ])
    func roundTrips(text: String) throws {
        let value = try JSONValue(parsing: text)
        let again = try JSONValue(parsing: value.serialized())
        #expect(again == value)
        #expect(again.serialized() == value.serialized())
    }

    @Test func doublesRoundTripExactly() throws {
        for value in [0.1, 1.0 / 3.0, 2.0 / 3.0, 1e-300, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 123.456, 9007199254740993.0] {
            let text = JSONValue.double(value).serializedString()
            let parsed = try JSONValue(parsing: text)
            #expect(parsed.doubleValue == value, "\(text)")
        }
    }

    @Test func matchesFoundationOutputForPlainData() throws {
        let value: JSONValue = ["name": "pod-1", "n": 3, "ok": false, "list": [1, 2]]
        let foundation = try JSONSerialization.jsonObject(with: Data(value.serialized()))
        let dictionary = try #require(foundation as? [String: Any])
        #expect(dictionary["name"] as? String == "pod-1")
        #expect(dictionary["n"] as? Int == 3)
        #expect(dictionary["list"] as? [Int] == [1, 2])
    }
}

@Suite struct JSONValueAccessorTests {
    let document: JSONValue = [
        "metadata": ["name": "web", "labels": ["app": "web"]],
        "spec": ["replicas": 3, "ratio": 0.5, "containers": [["name": "nginx"], ["name": "sidecar"]]],
        "flag": true,
        "nothing": nil,
    ]

    @Test func typedAccessors() {
        #expect(document["metadata"]?["name"]?.stringValue == "web")
        #expect(document["spec"]?["replicas"]?.intValue == 3)
        #expect(document["spec"]?["replicas"]?.doubleValue == 3)
        #expect(document["spec"]?["ratio"]?.doubleValue == 0.5)
        #expect(document["spec"]?["ratio"]?.intValue == nil)
        #expect(JSONValue.double(4).intValue == 4)
        #expect(document["flag"]?.boolValue == true)
        #expect(document["nothing"]?.isNull == true)
        #expect(document["flag"]?.isNull == false)
        #expect(document["spec"]?["containers"]?.arrayValue?.count == 2)
        #expect(document.objectValue?.keys.first == "metadata")
        #expect(document["missing"] == nil)
        #expect(document[0] == nil)
        #expect(document["flag"]?.stringValue == nil)
    }

    @Test func indexSubscript() {
        let array: JSONValue = [1, 2, 3]
        #expect(array[1] == .int(2))
        #expect(array[3] == nil)
        #expect(array[-1] == nil)
        #expect(array["x"] == nil)
    }

    @Test func pathSubscript() {
        #expect(document[path: "spec", "containers", "1", "name"] == .string("sidecar"))
        #expect(document[path: ["metadata", "labels", "app"]] == .string("web"))
        #expect(document[path: "spec", "containers", "2"] == nil)
        #expect(document[path: "spec", "containers", "x"] == nil)
        #expect(document[path: "flag", "deeper"] == nil)
        #expect(document[path: []] == document)
    }

    struct Sample: Codable, Equatable {
        var name: String
        var count: Int
        var tags: [String]
        var nested: Nested?
        struct Nested: Codable, Equatable { var on: Bool }
    }

    @Test func bridgesEncodableAndDecodable() throws {
        let sample = Sample(name: "a/b", count: 2, tags: ["x"], nested: .init(on: true))
        let value = try JSONValue(encoding: sample)
        #expect(value["name"] == .string("a/b"))
        #expect(value["count"] == .int(2))
        #expect(value[path: "nested", "on"] == .bool(true))
        let back = try value.decode(Sample.self)
        #expect(back == sample)
        let typed: Sample = try value.decode()
        #expect(typed == sample)
    }

    @Test func decodeReportsShapeMismatch() {
        let value: JSONValue = ["name": 1]
        #expect(throws: DecodingError.self) { _ = try value.decode(Sample.self) }
    }
}
