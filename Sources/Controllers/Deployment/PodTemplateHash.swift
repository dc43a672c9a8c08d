#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI

/// The `pod-template-hash` of a pod template: a 32-bit FNV-1a hash of its canonical JSON
/// (sorted keys), plus the collision count when there is one, rendered in the alphabet of
/// generated names so it can end a ReplicaSet name.
public enum PodTemplateHash {
    /// The label carrying the hash on ReplicaSets and their pods.
    public static let label = "pod-template-hash"
    /// Letters and digits that never spell words (upstream's safe alphabet).
    public static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789".utf8)

    /// The 32-bit FNV-1a hash of `bytes`.
    public static func fnv1a(_ bytes: some Sequence<UInt8>, seed: UInt32 = 2_166_136_261) -> UInt32 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return hash
    }

    /// Maps every character of `text` into the safe alphabet (by its code modulo 27).
    public static func safeEncode(_ text: String) -> String {
        String(decoding: text.utf8.map { alphabet[Int($0) % alphabet.count] }, as: UTF8.self)
    }

    /// The hash of `template` with `collisionCount` mixed in.
    public static func compute(_ template: CoreV1.PodTemplateSpec?, collisionCount: Int?) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = (try? encoder.encode(template)).map { Array($0) } ?? []
        var hash = fnv1a(bytes)
        if let collisionCount {
            var value = UInt32(truncatingIfNeeded: collisionCount).littleEndian
            let extra = withUnsafeBytes(of: &value) { Array($0) } + [0, 0, 0, 0]
            hash = fnv1a(extra, seed: hash)
        }
        return safeEncode(String(hash))
    }

    /// Whether two templates are equal once the `pod-template-hash` label is removed from both.
    public static func equalIgnoringHash(_ a: CoreV1.PodTemplateSpec?, _ b: CoreV1.PodTemplateSpec?) -> Bool {
        func stripped(_ template: CoreV1.PodTemplateSpec?) -> CoreV1.PodTemplateSpec? {
            guard var template else { return nil }
            var meta = template.metadata ?? MetaV1.ObjectMeta()
            meta.labels?.removeValue(forKey: label)
            if meta.labels?.isEmpty == true { meta.labels = nil }
            template.metadata = meta == MetaV1.ObjectMeta() ? nil : meta
            return template
        }
        guard let left = stripped(a), let right = stripped(b) else { return stripped(a) == stripped(b) }
        if left == right { return true }
        // Compare like Go's semantic equality of typed structs: an absent member equals its zero
        // value (`false`, `0`, `""`, empty), so a template that went through another client's
        // defaulting (stdin: false, hostPID: false, ...) still matches.
        guard let l = try? JSONValue(encoding: left), let r = try? JSONValue(encoding: right) else { return false }
        return withoutZeroValues(l) == withoutZeroValues(r)
    }

    static func withoutZeroValues(_ value: JSONValue) -> JSONValue? {
        let absent: JSONValue? = .none
        switch value {
        case .null: return absent
        case .bool(let b): return b ? value : absent
        case .int(let i): return i == 0 ? absent : value
        case .double(let d): return d == 0 ? absent : value
        case .string(let s): return s.isEmpty ? absent : value
        case .array(let items):
            return items.isEmpty ? absent : .array(items.map { withoutZeroValues($0) ?? .null })
        case .object(let members):
            var kept = members
            for (key, member) in members {
                if let reduced = withoutZeroValues(member) { kept[key] = reduced } else { kept.removeValue(forKey: key) }
            }
            return kept.isEmpty ? absent : .object(kept)
        }
    }
}
