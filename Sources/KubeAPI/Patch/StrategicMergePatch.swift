/// Kubernetes strategic merge patch, driven by a `MergeSchema`.
///
/// Like a JSON merge patch, except where the schema says otherwise:
/// - lists whose field has patch strategy `merge` and a merge key merge element by element
///   (matching elements merge recursively, new ones are added); `merge` lists of primitive
///   values become ordered unions; every other list is replaced (a `listType: map` without a
///   patch strategy is replaced too, as upstream does);
/// - fields with strategy `replace` are replaced as a whole;
/// - directives: `$patch` (`replace`, `delete`, `merge`) in a map or as a list element,
///   `$retainKeys`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.
///
/// Fields absent from a definition's table, and `.unstructured` nodes, follow JSON merge
/// patch rules.
///
/// Merged lists are ordered as upstream orders them: with `$setElementOrder/<field>` the listed
/// elements follow that order; otherwise elements named in the patch follow the patch's order,
/// the remaining original elements keep theirs, and the two runs are interleaved by original
/// position. An element new to the list has no original position, so it goes before the
/// original elements still waiting (a lone new element ends up first).
///
/// Deliberate differences from upstream: `$patch: merge` is accepted (as the default it names)
/// instead of rejected, and a JSON type that contradicts the schema is rejected here rather
/// than later when the object is decoded.
public enum StrategicMergePatch {
    /// Applies `patch` to `original`, whose schema is the definition named `definition`.
    ///
    /// `original` must be an object (`null` counts as an empty object). Application is
    /// atomic: on error nothing is returned and `original` is untouched.
    ///
    /// - Throws: `PatchError.malformedPatch` if the patch is not an object,
    ///   `PatchError.unknownDefinition` if the schema lacks `definition`,
    ///   `PatchError.invalidDocument` if `original` is not an object,
    ///   `PatchError.invalidStrategicPatch` for a bad directive or merge key, and
    ///   `PatchError.typeMismatch` when a patch value's JSON type contradicts the schema.
    public static func apply(
        _ patch: JSONValue,
        to original: JSONValue,
        schema: MergeSchema,
        definition: String
    ) throws(PatchError) -> JSONValue {
        guard case .object(let patchMembers) = patch else {
            throw .malformedPatch("a strategic merge patch must be a JSON object, got \(PatchText.typeName(patch))")
        }
        guard schema.definitions[definition] != nil else {
            throw .unknownDefinition(definition)
        }
        let originalMembers: Merger.Object
        switch original {
        case .object(let members): originalMembers = members
        case .null: originalMembers = [:]
        default: throw .invalidDocument("expected an object, got \(PatchText.typeName(original))")
        }
        let merger = Merger(schema: schema)
        return .object(try merger.mergeObject(originalMembers, patchMembers, container: .object(definition), path: []))
    }

    /// Applies `patch` to an object of kind `kind`, using the root definition in `schema.roots`.
    ///
    /// - Throws: `PatchError.unknownKind` if `schema.roots` has no entry for `kind`, otherwise as
    ///   `apply(_:to:schema:definition:)`.
    public static func apply(
        _ patch: JSONValue,
        to original: JSONValue,
        schema: MergeSchema,
        kind: GroupVersionKind
    ) throws(PatchError) -> JSONValue {
        guard let definition = schema.roots[kind] else { throw .unknownKind(kind) }
        return try apply(patch, to: original, schema: schema, definition: definition)
    }

    /// The `$patch` directive key.
    static let directiveMarker = "$patch"
    /// The `$retainKeys` directive key.
    static let retainKeysDirective = "$retainKeys"
    /// Prefix of `$deleteFromPrimitiveList/<field>` keys (without the slash).
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList"
    /// Prefix of `$setElementOrder/<field>` keys (without the slash).
    static let setElementOrderPrefix = "$setElementOrder"

    /// Whether a key is a strategic merge patch directive rather than a field.
    static func isDirectiveKey(_ key: String) -> Bool {
        guard key.hasPrefix("$") else { return false }
        return key == directiveMarker || key == retainKeysDirective
            || key.hasPrefix(deleteFromPrimitiveListPrefix) || key.hasPrefix(setElementOrderPrefix)
    }
}
