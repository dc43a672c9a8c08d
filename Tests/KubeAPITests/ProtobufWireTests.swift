import Testing
@testable import KubeAPI

/// Hand-made protobuf byte vectors: special types, maps, bytes, packed repeated fields, and
/// malformed input.
@Suite struct ProtobufWireTests {
    /// A length-delimited field (lengths below 128 only, as in these vectors).
    static func ld(_ number: UInt8, _ content: [UInt8]) -> [UInt8] {
        precondition(content.count < 128)
        return [number << 3 | 2, UInt8(content.count)] + content
    }

    static func text(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// `k8s\0` + Unknown{typeMeta, raw, "", ""}.
    static func envelope(_ apiVersion: String, _ kind: String, _ raw: [UInt8]) -> [UInt8] {
        KubernetesProtobuf.magic
            + ld(1, ld(1, text(apiVersion)) + ld(2, text(kind)))
            + ld(2, raw) + [0x1a, 0x00, 0x22, 0x00]
    }

    static func decode(_ apiVersion: String, _ kind: String, _ raw: [UInt8]) throws -> JSONValue {
        try KubernetesProtobuf.decode(envelope(apiVersion, kind, raw))
    }

    @Test func configMapWithTimeAndMap() throws {
        // metadata{name "a", creationTimestamp{seconds 10}}, data{"a": "b"}
        let raw = Self.ld(1, Self.ld(1, Self.text("a")) + Self.ld(8, [0x08, 0x0a]))
            + Self.ld(2, Self.ld(1, Self.text("a")) + Self.ld(2, Self.text("b")))
        let object = try Self.decode("v1", "ConfigMap", raw)
        #expect(object == [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "a", "creationTimestamp": "1970-01-01T00:00:10Z"],
            "data": ["a": "b"],
        ])
        #expect(object.objectValue.map { Array($0.keys) } == ["apiVersion", "kind", "metadata", "data"])
        // Encoding gives back exactly these bytes.
        #expect(try KubernetesProtobuf.encode(object) == Self.envelope("v1", "ConfigMap", raw))
    }

    @Test func emptyTimeAndEmptyStringsAreDropped() throws {
        // metadata{name "a", namespace "", creationTimestamp{}}: Go's zero values.
        let raw = Self.ld(1, Self.ld(1, Self.text("a")) + Self.ld(3, []) + Self.ld(8, []))
        let object = try Self.decode("v1", "ConfigMap", raw)
        #expect(object == ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "a"]])
    }

    @Test(arguments: [
        ([0x08, 0x00, 0x10, 0x90, 0x3f] as [UInt8], JSONValue.int(8080)),
        ([0x08, 0x01] + ProtobufWireTests.ld(3, ProtobufWireTests.text("http")), JSONValue.string("http")),
    ])
    func intOrString(_ value: [UInt8], _ expected: JSONValue) throws {
        // spec{ports[{port 80, targetPort}]}
        let raw = Self.ld(2, Self.ld(1, [0x18, 0x50] + Self.ld(4, value)))
        let object = try Self.decode("v1", "Service", raw)
        #expect(object["spec"]?["ports"]?[0]?["targetPort"] == expected)
        #expect(object["spec"]?["ports"]?[0]?["port"] == 80)
        #expect(try KubernetesProtobuf.encode(object) == Self.envelope("v1", "Service", raw))
    }

    @Test func quantityMap() throws {
        // spec{hard{"cpu": {string "1500m"}}}
        let raw = Self.ld(2, Self.ld(1, Self.ld(1, Self.text("cpu")) + Self.ld(2, Self.ld(1, Self.text("1500m")))))
        let object = try Self.decode("v1", "ResourceQuota", raw)
        #expect(object["spec"]?["hard"] == ["cpu": "1500m"])
    }

    @Test func bytesAreBase64() throws {
        // data{"k": 0x00 0xff "v"}, type "Opaque"
        let raw = Self.ld(2, Self.ld(1, Self.text("k")) + Self.ld(2, [0x00, 0xff, 0x76])) + Self.ld(3, Self.text("Opaque"))
        let object = try Self.decode("v1", "Secret", raw)
        #expect(object["data"] == ["k": "AP92"])
        #expect(object["type"] == "Opaque")
        #expect(try KubernetesProtobuf.encode(object) == Self.envelope("v1", "Secret", raw))
    }

    @Test(arguments: [
        [0x22, 0x04, 0x01, 0x02, 0xac, 0x02] as [UInt8],
        [0x20, 0x01, 0x20, 0x02, 0x20, 0xac, 0x02] as [UInt8],
    ])
    func packedAndUnpackedRepeated(_ groups: [UInt8]) throws {
        // spec{securityContext{supplementalGroups [1, 2, 300]}}
        let raw = Self.ld(2, Self.ld(14, groups))
        let object = try Self.decode("v1", "Pod", raw)
        #expect(object["spec"]?["securityContext"]?["supplementalGroups"] == [1, 2, 300])
    }

    @Test func microTimeAndNegativeInt32() throws {
        // spec{acquireTime{seconds 1, nanos 123456000}, leaseDurationSeconds -1}
        let nanos: [UInt8] = [0x10, 0x80, 0x94, 0xef, 0x3a]
        let raw = Self.ld(2, [0x10] + [UInt8](repeating: 0xff, count: 9) + [0x01] + Self.ld(3, [0x08, 0x01] + nanos))
        let object = try Self.decode("coordination.k8s.io/v1", "Lease", raw)
        #expect(object["spec"]?["acquireTime"] == "1970-01-01T00:00:01.123456Z")
        #expect(object["spec"]?["leaseDurationSeconds"] == -1)
        #expect(try KubernetesProtobuf.encode(object) == Self.envelope("coordination.k8s.io/v1", "Lease", raw))
    }

    @Test func unknownFieldsAreSkipped() throws {
        // field 99 (varint) and field 98 (fixed32) and 97 (fixed64) before metadata.
        let raw: [UInt8] = [0x98, 0x06, 0x05, 0xa5, 0x06, 1, 2, 3, 4, 0x89, 0x06, 1, 2, 3, 4, 5, 6, 7, 8] + Self.ld(1, Self.ld(1, Self.text("x")))
        let object = try Self.decode("v1", "ConfigMap", raw)
        #expect(object["metadata"]?["name"] == "x")
    }

    @Test func stringListsAndSubjectAccessReview() throws {
        // spec{resourceAttributes{verb "create", resource "pods"}, extra{"k": ExtraValue{items ["a","b"]}}}
        let spec = Self.ld(1, Self.ld(2, Self.text("create")) + Self.ld(5, Self.text("pods")))
            + Self.ld(5, Self.ld(1, Self.text("k")) + Self.ld(2, Self.ld(1, Self.text("a")) + Self.ld(1, Self.text("b"))))
        let object = try Self.decode("authorization.k8s.io/v1", "SubjectAccessReview", Self.ld(2, spec))
        #expect(object["spec"]?["resourceAttributes"] == ["verb": "create", "resource": "pods"])
        #expect(object["spec"]?["extra"] == ["k": ["a", "b"]])
    }

    @Test func watchFramesRoundTrip() throws {
        let cm: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "a", "resourceVersion": "7"]]
        let stream = try KubernetesProtobuf.watchFrame(type: "ADDED", object: cm) + KubernetesProtobuf.watchFrame(type: "DELETED", object: cm)
        let frames = try KubernetesProtobuf.watchFrames(stream)
        #expect(frames.count == 2)
        let first = try KubernetesProtobuf.decodeWatchEvent(frames[0])
        #expect(first.type == "ADDED")
        #expect(first.object == cm)
        #expect(try KubernetesProtobuf.decodeWatchEvent(frames[1]).type == "DELETED")
        #expect(throws: ProtobufError.self) { try KubernetesProtobuf.watchFrames(Array(stream.dropLast())) }
        #expect(throws: ProtobufError.invalidFrame("frame of 2147483647 bytes is too large")) { try KubernetesProtobuf.watchFrames([0x7f, 0xff, 0xff, 0xff]) }
    }

    // MARK: - Malformed input

    static let malformed: [(String, [UInt8], ProtobufError)] = [
        ("wrong magic", [0x6b, 0x39, 0x73, 0x00] + envelope("v1", "ConfigMap", []).dropFirst(4), .missingMagic),
        ("too short", [0x6b, 0x38], .missingMagic),
        ("no type meta", KubernetesProtobuf.magic + ld(2, []), .missingTypeMeta),
        ("unknown kind", envelope("v1", "Nope", []), .unknownKind(apiVersion: "v1", kind: "Nope")),
        ("truncated varint", envelope("v1", "ConfigMap", [0x0a, 0x02, 0x38, 0x80]), .truncated(offset: 27)),
        ("length past end", envelope("v1", "ConfigMap", [0x0a, 0x64, 0x0a, 0x01]), .lengthOutOfBounds(offset: 24, length: 100)),
        ("huge declared length", KubernetesProtobuf.magic + [0x12, 0xff, 0xff, 0xff, 0xff, 0x0f], .lengthOutOfBounds(offset: 5, length: 4_294_967_295)),
        ("overlong varint", KubernetesProtobuf.magic + [0x08] + [UInt8](repeating: 0xff, count: 10) + [0x01], .malformedVarint(offset: 5)),
        ("field number zero", KubernetesProtobuf.magic + [0x00, 0x00], .invalidTag(offset: 4, tag: 0)),
        ("group wire type", KubernetesProtobuf.magic + [0x0b], .invalidTag(offset: 4, tag: 11)),
        ("wire type mismatch", envelope("v1", "ConfigMap", [0x0a, 0x02, 0x08, 0x01]), .wireTypeMismatch(path: "ConfigMap.metadata.name", wireType: 0)),
        ("invalid UTF-8", envelope("v1", "ConfigMap", [0x0a, 0x03, 0x0a, 0x01, 0xff]), .invalidUTF8(path: "ConfigMap.metadata.name")),
        ("content encoding", KubernetesProtobuf.magic + ld(1, ld(1, text("v1")) + ld(2, text("ConfigMap"))) + ld(3, text("gzip")), .unsupportedContent("encoding gzip")),
    ]

    @Test(arguments: malformed.indices)
    func malformedInputIsATypedError(_ index: Int) {
        let (name, bytes, error) = Self.malformed[index]
        #expect(throws: error, "\(name)") { try KubernetesProtobuf.decode(bytes) }
    }

    @Test func nestingBombHitsTheDepthLimit() {
        // openAPIV3Schema{not{not{...}}} 300 levels deep, inside CRD spec.versions[0].schema.
        var props: [UInt8] = []
        for _ in 0..<300 {
            var length: [UInt8] = []
            var n = props.count
            while n >= 0x80 { length.append(UInt8(n & 0x7f) | 0x80); n >>= 7 }
            length.append(UInt8(n))
            props = [0xe2, 0x01] + length + props // field 28 (not), wire type 2
        }
        func field(_ number: UInt8, _ content: [UInt8]) -> [UInt8] {
            var length: [UInt8] = []
            var n = content.count
            while n >= 0x80 { length.append(UInt8(n & 0x7f) | 0x80); n >>= 7 }
            length.append(UInt8(n))
            return [number << 3 | 2] + length + content
        }
        let raw = field(2, field(7, field(4, field(1, props))))
        let bytes = KubernetesProtobuf.magic + field(1, field(1, Self.text("apiextensions.k8s.io/v1")) + field(2, Self.text("CustomResourceDefinition"))) + field(2, raw)
        #expect(throws: ProtobufError.depthLimitExceeded(limit: KubernetesProtobuf.maximumDepth)) { try KubernetesProtobuf.decode(bytes) }
    }

    static let badObjects: [(JSONValue, ProtobufError)] = [
        (["kind": "ConfigMap"], .missingTypeMeta),
        (["apiVersion": "example.com/v1", "kind": "Widget"], .unknownKind(apiVersion: "example.com/v1", kind: "Widget")),
        (["apiVersion": "apps/v1", "kind": "Deployment", "spec": ["replicas": "three"]], .typeMismatch(path: "Deployment.spec.replicas", expected: "a 32-bit integer")),
        (["apiVersion": "apps/v1", "kind": "Deployment", "spec": ["replicas": 4_000_000_000]], .typeMismatch(path: "Deployment.spec.replicas", expected: "a 32-bit integer")),
        (["apiVersion": "v1", "kind": "Secret", "data": ["k": "!!"]], .invalidBase64(path: "Secret.data[k]")),
        (["apiVersion": "v1", "kind": "ConfigMap", "data": ["a", "b"]], .typeMismatch(path: "ConfigMap.data", expected: "an object")),
        (["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["creationTimestamp": "yesterday"]], .invalidValue(path: "ConfigMap.metadata.creationTimestamp", message: "invalid RFC 3339 timestamp \"yesterday\": expected 4-digit year")),
    ]

    @Test(arguments: badObjects.indices)
    func badObjectsAreTypedErrors(_ index: Int) {
        let (object, error) = Self.badObjects[index]
        #expect(throws: error) { try KubernetesProtobuf.encode(object) }
    }
}
