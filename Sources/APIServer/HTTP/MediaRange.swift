import KubeAPI

/// One media range of an `Accept` header, such as
/// `application/json;as=Table;g=meta.k8s.io;v=v1`: the one parser of `Accept` for every
/// handler that negotiates a representation.
///
/// The type and parameter names are lower-cased (they are case-insensitive in HTTP); parameter
/// values are kept as sent, since Kubernetes compares `as=Table` exactly.
public struct MediaRange: Sendable, Hashable {
    /// `type/subtype`, lower-cased: `application/json`, `*/*`.
    public var type: String
    /// The parameters after the type, by lower-cased name (`as`, `g`, `v`, `q`).
    public var parameters: [String: String]

    /// Parses one range (the text between two commas of an `Accept` header).
    public init(parsing text: some StringProtocol) {
        let fields = text.split(separator: ";", omittingEmptySubsequences: false)
        type = fields.first.map { $0.trimmingSpaces().lowercased() } ?? ""
        var parameters: [String: String] = [:]
        for field in fields.dropFirst() {
            let pair = field.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            parameters[pair[0].trimmingSpaces().lowercased()] = pair[1].trimmingSpaces()
        }
        self.parameters = parameters
    }

    /// The ranges of an `Accept` header, in the order the client listed them; empty ranges are
    /// left out, so an absent or blank header gives none.
    public static func ranges(of accept: String?) -> [MediaRange] {
        guard let accept else { return [] }
        return accept.split(separator: ",").map { MediaRange(parsing: $0) }.filter { !$0.type.isEmpty }
    }

    /// Whether JSON satisfies this range: `application/json`, `application/*` or `*/*`.
    public var admitsJSON: Bool {
        type == "application/json" || type == "application/*" || type == "*/*"
    }

    /// The version of a `meta.k8s.io`-style conversion this range asks for: with
    /// `as=KIND;g=GROUP;v=VERSION` on `application/json`, the version when `as` and `g` match
    /// (without regard to case) and the version is one of `versions`.
    public func conversion(as kind: String, group: String, versions: Set<String>) -> String? {
        guard type == "application/json", parameters["as"]?.lowercased() == kind.lowercased(),
              parameters["g"]?.lowercased() == group.lowercased(), let version = parameters["v"], versions.contains(version)
        else { return nil }
        return version
    }
}
