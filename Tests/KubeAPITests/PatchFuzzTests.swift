import OrderedCollections
import Testing
@testable import KubeAPI

/// Random documents and patches for the fuzz-style tests (deterministic per seed).
enum PatchFuzz {
    static let keys = ["a", "b", "name", "x/y", "m~n", "", "spec", "$patch", "$retainKeys", "image", "0", "-"]
    static let strings = ["", "a", "b", "c", "replace", "delete", "merge", "name", "~1", "/"]

    static func chance(_ rng: inout PatchFuzzRandom, _ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &rng) < percent
    }

    static func pick<T>(_ items: [T], _ rng: inout PatchFuzzRandom) -> T {
        items[Int.random(in: 0..<items.count, using: &rng)]
    }

    static func randomScalar(_ rng: inout PatchFuzzRandom, allowNull: Bool) -> JSONValue {
        switch Int.random(in: 0..<(allowNull ? 6 : 5), using: &rng) {
        case 0: return .bool(Bool.random(using: &rng))
        case 1: return .int(Int64.random(in: -3...3, using: &rng))
        case 2: return .double(pick([0.5, -1.25, 1e300, 2.0], &rng))
        case 3, 4: return .string(pick(strings, &rng))
        default: return .null
        }
    }

    static func randomValue(_ rng: inout PatchFuzzRandom, depth: Int, allowNull: Bool) -> JSONValue {
        if depth <= 0 || chance(&rng, 45) { return randomScalar(&rng, allowNull: allowNull) }
        if chance(&rng, 50) {
            return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in
                randomValue(&rng, depth: depth - 1, allowNull: allowNull)
            })
        }
        return randomDocument(&rng, depth: depth - 1, allowNull: allowNull)
    }

    /// A random object.
    static func randomDocument(_ rng: inout PatchFuzzRandom, depth: Int, allowNull: Bool) -> JSONValue {
        var members = OrderedDictionary<String, JSONValue>()
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            members[pick(keys, &rng)] = randomValue(&rng, depth: depth, allowNull: allowNull)
        }
        return .object(members)
    }

    /// A randomly changed copy of `value`.
    static func mutate(_ value: JSONValue, _ rng: inout PatchFuzzRandom, allowNull: Bool) -> JSONValue {
        switch value {
        case .object(var members):
            for key in members.keys {
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: members.removeValue(forKey: key)
                case 1: members[key] = mutate(members[key]!, &rng, allowNull: allowNull)
                case 2: members[key] = randomValue(&rng, depth: 2, allowNull: allowNull)
                default: break
                }
            }
            if chance(&rng, 40) { members[pick(keys, &rng)] = randomValue(&rng, depth: 2, allowNull: allowNull) }
            return .object(members)
        case .array(var items):
            if !items.isEmpty, chance(&rng, 50) {
                let i = Int.random(in: 0..<items.count, using: &rng)
                items[i] = mutate(items[i], &rng, allowNull: allowNull)
            }
            if chance(&rng, 30) { items.append(randomScalar(&rng, allowNull: allowNull)) }
            return .array(items)
        default:
            return chance(&rng, 50) ? randomScalar(&rng, allowNull: allowNull) : value
        }
    }

    /// Every pointer to an existing value in `document`.
    static func pointers(in document: JSONValue, prefix: [String] = []) -> [JSONPointer] {
        var out = [JSONPointer(tokens: prefix)]
        switch document {
        case .object(let members):
            for (k, v) in members { out += pointers(in: v, prefix: prefix + [k]) }
        case .array(let items):
            for (i, v) in items.enumerated() { out += pointers(in: v, prefix: prefix + [String(i)]) }
        default: break
        }
        return out
    }

    static func randomPointer(in document: JSONValue, _ rng: inout PatchFuzzRandom) -> String {
        var tokens = pick(pointers(in: document), &rng).tokens
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: tokens.append(pick(keys + ["-", "1", "01", "99"], &rng))
        case 1: if !tokens.isEmpty { tokens.removeLast() }
        case 2: return pick(["a", "/a~", "/~2", "//", "/-/0"], &rng)
        default: break
        }
        return JSONPointer(tokens: tokens).description
    }

    static func randomJSONPatch(for document: JSONValue, _ rng: inout PatchFuzzRandom) -> JSONValue {
        if chance(&rng, 3) { return randomValue(&rng, depth: 2, allowNull: true) }
        var ops: [JSONValue] = []
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            var op = OrderedDictionary<String, JSONValue>()
            op["op"] = chance(&rng, 3) ? randomScalar(&rng, allowNull: true)
                : .string(pick(["add", "remove", "replace", "move", "copy", "test"], &rng))
            if chance(&rng, 97) { op["path"] = .string(randomPointer(in: document, &rng)) }
            if chance(&rng, 70) { op["from"] = .string(randomPointer(in: document, &rng)) }
            if chance(&rng, 80) {
                op["value"] = chance(&rng, 30)
                    ? (pick(pointers(in: document), &rng).resolve(in: document) ?? .null)
                    : randomValue(&rng, depth: 2, allowNull: true)
            }
            ops.append(chance(&rng, 2) ? randomScalar(&rng, allowNull: true) : .object(op))
        }
        return .array(ops)
    }

    // MARK: Pod-shaped documents for strategic merge patch

    static let directiveValues: [JSONValue] = [
        .string("replace"), .string("delete"), .string("merge"), .string("bogus"), .int(1), .null,
    ]

    static func object(_ pairs: [(String, JSONValue)]) -> JSONValue {
        var members = OrderedDictionary<String, JSONValue>()
        for (k, v) in pairs { members[k] = v }
        return .object(members)
    }

    /// Adds random noise to a patch fragment: nulls, directives and values of the wrong type.
    static func noisy(_ value: JSONValue, _ rng: inout PatchFuzzRandom, patch: Bool, listField: String? = nil) -> JSONValue {
        guard patch else { return value }
        if chance(&rng, 4) { return .null }
        if chance(&rng, 3) { return randomValue(&rng, depth: 2, allowNull: true) }
        guard case .object(var members) = value else { return value }
        if chance(&rng, 6) { members["$patch"] = pick(directiveValues, &rng) }
        if chance(&rng, 5) {
            let listed = members.keys.filter { _ in chance(&rng, 70) }
            members["$retainKeys"] = chance(&rng, 85) ? .array(listed.map { .string($0) }) : randomScalar(&rng, allowNull: true)
        }
        if let listField, chance(&rng, 20) {
            let names = (0..<Int.random(in: 0...3, using: &rng)).map { _ in object([("name", .string(pick(["a", "b", "c"], &rng)))]) }
            members["$setElementOrder/\(listField)"] = chance(&rng, 90) ? .array(names) : randomScalar(&rng, allowNull: true)
        }
        if chance(&rng, 8) {
            members["$deleteFromPrimitiveList/finalizers"] = .array([.string(pick(strings, &rng))])
        }
        return .object(members)
    }

    static func container(_ rng: inout PatchFuzzRandom, patch: Bool) -> JSONValue {
        var pairs: [(String, JSONValue)] = []
        if !patch || chance(&rng, 90) { pairs.append(("name", .string(pick(["a", "b", "c", "d"], &rng)))) }
        if chance(&rng, 60) { pairs.append(("image", .string(pick(strings, &rng)))) }
        if chance(&rng, 30) { pairs.append(("args", .array([.string(pick(strings, &rng))]))) }
        if chance(&rng, 40) {
            let ports = (0..<Int.random(in: 0...2, using: &rng)).map { _ in
                noisy(object([("containerPort", .int(pick([80, 443, 8080], &rng))), ("protocol", .string("TCP"))]), &rng, patch: patch)
            }
            pairs.append(("ports", .array(ports)))
        }
        var value = object(pairs)
        if patch, chance(&rng, 8) {
            value = object(pairs + [("$patch", pick(directiveValues, &rng))])
        }
        return noisy(value, &rng, patch: patch, listField: "ports")
    }

    static func pod(_ rng: inout PatchFuzzRandom, patch: Bool) -> JSONValue {
        func include() -> Bool { !patch || chance(&rng, 50) }
        var metadata: [(String, JSONValue)] = []
        if include() { metadata.append(("name", .string(pick(strings, &rng)))) }
        if include() {
            metadata.append(("labels", noisy(object([(pick(keys, &rng), .string("v")), ("app", patch && chance(&rng, 30) ? .null : .string("x"))]), &rng, patch: patch)))
        }
        if include() {
            metadata.append(("finalizers", .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in .string(pick(["f1", "f2", "f3"], &rng)) })))
        }
        var spec: [(String, JSONValue)] = []
        if include() {
            spec.append(("containers", .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in container(&rng, patch: patch) })))
        }
        if include() {
            let volumes = (0..<Int.random(in: 0...2, using: &rng)).map { _ in
                noisy(object([("name", .string(pick(["v1", "v2"], &rng))), (pick(["emptyDir", "hostPath"], &rng), object([]))]), &rng, patch: patch)
            }
            spec.append(("volumes", .array(volumes)))
        }
        if include() { spec.append(("tolerations", .array([object([("key", .string(pick(strings, &rng)))])]))) }
        if include() { spec.append(("resourceClaims", .array([object([("name", .string(pick(["c1", "c2"], &rng)))])]))) }
        if include() { spec.append(("nodeSelector", noisy(object([(pick(keys, &rng), .string("v"))]), &rng, patch: patch))) }
        if include() {
            spec.append(("updateStrategy", noisy(object([("type", .string(pick(["A", "B"], &rng))), ("rollingUpdate", object([("maxSurge", .int(1))]))]), &rng, patch: patch)))
        }
        if include() { spec.append(("config", randomDocument(&rng, depth: 2, allowNull: patch))) }
        if include() { spec.append(("extra", randomValue(&rng, depth: 2, allowNull: patch))) }
        let metadataValue = noisy(object(metadata), &rng, patch: patch)
        let specValue = noisy(object(spec), &rng, patch: patch, listField: "containers")
        return noisy(object([("metadata", metadataValue), ("spec", specValue)]), &rng, patch: patch, listField: nil)
    }
}

@Suite struct PatchFuzzTests {
    @Test func jsonPatchNeverCrashes() {
        var rng = PatchFuzzRandom(seed: 6902)
        var applied = 0
        var failed = 0
        for _ in 0..<3000 {
            let document = PatchFuzz.randomValue(&rng, depth: 3, allowNull: true)
            let patch = PatchFuzz.randomJSONPatch(for: document, &rng)
            do {
                let parsed = try JSONPatch(patch)
                let result = try parsed.apply(to: document)
                applied += 1
                if parsed.operations.allSatisfy({ if case .test = $0 { true } else { false } }) {
                    #expect(result == document)
                }
            } catch {
                failed += 1
                #expect(!error.description.isEmpty)
            }
        }
        // Both outcomes must be exercised for the fuzzing to mean anything.
        #expect(applied > 100)
        #expect(failed > 100)
    }

    @Test func jsonPatchAddThenRemoveRestoresDocument() throws {
        var rng = PatchFuzzRandom(seed: 42)
        for _ in 0..<500 {
            let document = PatchFuzz.randomDocument(&rng, depth: 3, allowNull: true)
            let containers = PatchFuzz.pointers(in: document).filter {
                if case .object? = $0.resolve(in: document) { true } else { false }
            }
            let parent = PatchFuzz.pick(containers, &rng)
            let target = JSONPointer(tokens: parent.tokens + ["fresh~/key"])
            let patch = JSONPatch(operations: [
                .add(path: target, value: PatchFuzz.randomValue(&rng, depth: 2, allowNull: true)),
                .remove(path: target),
            ])
            #expect(try patch.apply(to: document) == document)
        }
    }

    @Test func mergePatchNeverCrashesAndIsIdempotent() {
        var rng = PatchFuzzRandom(seed: 7386)
        for _ in 0..<2000 {
            let document = PatchFuzz.randomValue(&rng, depth: 3, allowNull: true)
            let patch = PatchFuzz.randomValue(&rng, depth: 3, allowNull: true)
            let once = applyMergePatch(patch, to: document)
            #expect(applyMergePatch(patch, to: once) == once)
        }
    }

    @Test func strategicMergePatchNeverCrashes() {
        var rng = PatchFuzzRandom(seed: 1_000_003)
        var applied = 0
        var failed = 0
        for _ in 0..<3000 {
            let original = PatchFuzz.pod(&rng, patch: false)
            let patch = PatchFuzz.chance(&rng, 3)
                ? PatchFuzz.randomValue(&rng, depth: 3, allowNull: true)
                : PatchFuzz.pod(&rng, patch: true)
            do {
                _ = try StrategicMergePatch.apply(patch, to: original, schema: PatchFixtures.schema, definition: "test.Pod")
                applied += 1
            } catch {
                failed += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(applied > 100)
        #expect(failed > 100)
    }

    @Test func strategicMergePatchOnArbitraryDocuments() {
        var rng = PatchFuzzRandom(seed: 99)
        for _ in 0..<2000 {
            let original = PatchFuzz.chance(&rng, 50)
                ? PatchFuzz.randomDocument(&rng, depth: 3, allowNull: true)
                : PatchFuzz.mutate(PatchFuzz.pod(&rng, patch: false), &rng, allowNull: true)
            let patch = PatchFuzz.mutate(PatchFuzz.pod(&rng, patch: true), &rng, allowNull: true)
            do {
                _ = try StrategicMergePatch.apply(patch, to: original, schema: PatchFixtures.schema, definition: "test.Pod")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test func emptyStrategicPatchIsIdentity() throws {
        var rng = PatchFuzzRandom(seed: 5)
        for _ in 0..<300 {
            let original = PatchFuzz.pod(&rng, patch: false)
            let result = try StrategicMergePatch.apply(.object([:]), to: original, schema: PatchFixtures.schema, definition: "test.Pod")
            #expect(result == original)
        }
    }
}
