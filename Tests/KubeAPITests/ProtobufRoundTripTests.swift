import Testing
@testable import KubeAPI

/// Every generated kind sample survives JSON → protobuf → JSON.
@Suite struct ProtobufRoundTripTests {
    /// Property names the protobuf form cannot carry (no field number in the facts).
    static let unnumberedNames = Set(KubernetesProtobuf.propertiesWithoutFieldNumber.map { String($0.split(separator: ".").last!) })

    /// Whether `actual` equals `expected` except for members of `expected` that are allowed to
    /// be missing (unnumbered properties).
    static func matches(_ expected: JSONValue, _ actual: JSONValue, path: String, mismatches: inout [String]) {
        switch (expected, actual) {
        case (.object(let e), .object(let a)):
            for (key, value) in a where e[key] == nil { mismatches.append("\(path).\(key) unexpected: \(value)") }
            for (key, value) in e {
                if let other = a[key] {
                    matches(value, other, path: "\(path).\(key)", mismatches: &mismatches)
                } else if unnumberedNames.contains(key) || value == "" {
                    // No field number, or an empty string (dropped as Go's zero value).
                } else if ["apiVersion", "kind"].contains(key), path.hasSuffix(".deleteOptions") || path.hasSuffix("]") && path.contains(".volumeClaimTemplates[") {
                    // Embedded kinds (DeleteOptions, PersistentVolumeClaim) carry no type information in protobuf.
                } else {
                    mismatches.append("\(path).\(key) missing")
                }
            }
        case (.array(let e), .array(let a)):
            guard e.count == a.count else { return mismatches.append("\(path): \(e.count) items, got \(a.count)") }
            for i in e.indices { matches(e[i], a[i], path: "\(path)[\(i)]", mismatches: &mismatches) }
        default:
            if expected != actual { mismatches.append("\(path): expected \(expected), got \(actual)") }
        }
    }

    /// Typed list items carry no `apiVersion`/`kind` in protobuf (as upstream), and the
    /// apiextensions schema unions need a valid shape instead of the generic JSON sample.
    static func adjust(_ sample: JSONValue, kind: String) -> JSONValue {
        guard case .object(var members) = sample else { return sample }
        if kind.hasSuffix("List"), case .array(let items)? = members["items"] {
            members["items"] = .array(items.map { item in
                guard case .object(var m) = adjust(item, kind: item["kind"]?.stringValue ?? "") else { return item }
                m.removeValue(forKey: "apiVersion")
                m.removeValue(forKey: "kind")
                return .object(m)
            })
            return .object(members)
        }
        // The samples fill byte maps with "sample", which is not padded base64.
        for key in ["binaryData", "data"] where key == "binaryData" || kind == "Secret" {
            if case .object(let entries)? = members[key] {
                members[key] = .object(entries.mapValues { $0 == "sample" ? "c2FtcGxl" : $0 })
            }
        }
        for (key, value) in members {
            let generic: JSONValue = ["key": "value", "list": [1, "two"]]
            if ["items", "additionalProperties", "additionalItems"].contains(key), value == generic, kind.isEmpty || kind == "CustomResourceDefinition" {
                members[key] = ["type": "string"]
            } else if key == "dependencies", case .object(let deps) = value, deps.values.allSatisfy({ $0 == generic }) {
                members[key] = .object(deps.mapValues { _ in ["a", "b"] })
            } else {
                members[key] = adjustNested(value)
            }
        }
        return .object(members)
    }

    static func adjustNested(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object: return adjust(value, kind: "")
        case .array(let items): return .array(items.map(adjustNested))
        default: return value
        }
    }

    static let sampleKeys = KindSamples.documents.keys.sorted()

    @Test(arguments: sampleKeys)
    func sampleRoundTrips(_ key: String) throws {
        let sample = try JSONValue(parsing: try #require(KindSamples.documents[key]))
        let apiVersion = try #require(sample["apiVersion"]?.stringValue)
        let kind = try #require(sample["kind"]?.stringValue)
        guard KubernetesProtobuf.supports(apiVersion: apiVersion, kind: kind) else {
            #expect(throws: ProtobufError.unknownKind(apiVersion: apiVersion, kind: kind)) { try KubernetesProtobuf.encode(sample) }
            return
        }
        let expected = Self.adjust(sample, kind: kind)
        let bytes = try KubernetesProtobuf.encode(expected)
        #expect(bytes.starts(with: KubernetesProtobuf.magic))
        let decoded = try KubernetesProtobuf.decode(bytes)
        // apiVersion and kind come first.
        #expect(decoded.objectValue?.keys.prefix(2).elementsEqual(["apiVersion", "kind"]) == true)
        var mismatches: [String] = []
        Self.matches(expected, decoded, path: kind, mismatches: &mismatches)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        // The decoded form is a fixed point.
        #expect(try KubernetesProtobuf.decode(KubernetesProtobuf.encode(decoded)) == decoded)
    }

    @Test func mostKindsHaveAProtobufForm() throws {
        var supported = 0
        for text in KindSamples.documents.values {
            let sample = try JSONValue(parsing: text)
            if KubernetesProtobuf.supports(apiVersion: sample["apiVersion"]!.stringValue!, kind: sample["kind"]!.stringValue!) { supported += 1 }
        }
        #expect(supported >= KindSamples.documents.count - 8)
    }
}
