/// The patch formats an API server accepts on `PATCH`, named by their media types.
///
/// Server-side apply (`application/apply-patch+yaml`) is not a patch format in this sense and
/// is not covered here.
public enum PatchType: String, Sendable, Hashable, CaseIterable {
    /// JSON Patch (RFC 6902).
    case json = "application/json-patch+json"
    /// JSON Merge Patch (RFC 7386).
    case merge = "application/merge-patch+json"
    /// Kubernetes strategic merge patch.
    case strategicMerge = "application/strategic-merge-patch+json"

    /// The patch type for a `Content-Type` header value, ignoring parameters (`; charset=...`)
    /// and letter case; `nil` for any other media type.
    public init?(contentType: String) {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        let trimmed = mediaType.trimmingSpaces().lowercased()
        guard let type = PatchType(rawValue: trimmed) else { return nil }
        self = type
    }

    /// Applies `patch` (already parsed from the request body) to `document`.
    ///
    /// A strategic merge patch needs the schema and the definition of the patched object;
    /// pass `definition: nil` when there is none (custom resources), which makes a strategic
    /// merge patch fail with `PatchError.unknownDefinition` — callers usually answer 415 before
    /// getting here.
    ///
    /// - Throws: the `PatchError` of the underlying patch kind.
    public func apply(
        _ patch: JSONValue,
        to document: JSONValue,
        schema: MergeSchema,
        definition: String?
    ) throws(PatchError) -> JSONValue {
        switch self {
        case .json:
            return try JSONPatch(patch).apply(to: document)
        case .merge:
            return JSONMergePatch.apply(patch, to: document)
        case .strategicMerge:
            guard let definition else { throw .unknownDefinition("(none)") }
            return try StrategicMergePatch.apply(patch, to: document, schema: schema, definition: definition)
        }
    }
}
