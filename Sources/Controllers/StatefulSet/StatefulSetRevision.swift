import KubeAPI
import OrderedCollections

/// ControllerRevision naming and content for stateful sets: a revision records the pod
/// template as `{"spec":{"template":...}}` and is named `<set>-<hash>`, the hash being FNV-1a
/// (32 bit) of the template's JSON and the collision count, written in the alphabet
/// `bcdfghjklmnpqrstvwxz2456789`.
public enum StatefulSetRevision {
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    /// The revision data for `set`'s current template.
    public static func data(of set: AppsV1.StatefulSet) -> JSONValue {
        let template = (try? JSONValue(encoding: set.spec?.template ?? CoreV1.PodTemplateSpec())) ?? .null
        return ["spec": ["template": template]]
    }

    /// The hash of `data` with `collisionCount`.
    public static func hash(_ data: JSONValue, collisionCount: Int) -> String {
        var hash: UInt32 = 2_166_136_261
        func feed(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                hash ^= UInt32(byte)
                hash = hash &* 16_777_619
            }
        }
        feed(canonical(data).serialized(escapingHTML: false))
        if collisionCount > 0 { feed(String(collisionCount).utf8) }
        return String(String(hash).utf8.map { alphabet[Int($0) % alphabet.count] })
    }

    /// `value` with every object's members sorted by key, so equal content hashes equally
    /// whatever order a dictionary was encoded in.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var sorted = OrderedDictionary<String, JSONValue>()
            for key in members.keys.sorted() { sorted[key] = canonical(members[key]!) }
            return .object(sorted)
        case .array(let items):
            return .array(items.map(canonical))
        default:
            return value
        }
    }

    /// The template recorded in a revision.
    public static func template(of revision: AppsV1.ControllerRevision) -> CoreV1.PodTemplateSpec? {
        guard let template = revision.data?["spec"]?["template"] else { return nil }
        return try? template.decode(CoreV1.PodTemplateSpec.self)
    }
}
