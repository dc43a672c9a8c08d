import OrderedCollections

/// JSON Merge Patch (RFC 7386): a patch is a partial document; `null` members delete,
/// objects merge recursively and every other value replaces what was there.
public enum JSONMergePatch {
    /// Applies `patch` to `document`. Never fails: a non-object patch replaces the document.
    public static func apply(_ patch: JSONValue, to document: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var members: OrderedDictionary<String, JSONValue>
        if case .object(let existing) = document { members = existing } else { members = [:] }
        for (key, value) in patchMembers {
            if case .null = value {
                members.removeValue(forKey: key)
            } else {
                members[key] = apply(value, to: members[key] ?? .null)
            }
        }
        return .object(members)
    }

    /// Computes a merge patch that turns `original` into `modified`.
    ///
    /// For two objects the result holds only changed members (removed ones as `null`);
    /// otherwise it is `modified` itself. Merge patches cannot express a member whose new
    /// value is `null` (applying such a patch deletes the member), so `null` members of
    /// `modified` come out as deletions.
    public static func diff(from original: JSONValue, to modified: JSONValue) -> JSONValue {
        guard case .object(let old) = original, case .object(let new) = modified else {
            return modified
        }
        return .object(diffMembers(old, new))
    }

    private static func diffMembers(
        _ old: OrderedDictionary<String, JSONValue>,
        _ new: OrderedDictionary<String, JSONValue>
    ) -> OrderedDictionary<String, JSONValue> {
        var patch = OrderedDictionary<String, JSONValue>()
        for (key, value) in new {
            guard let previous = old[key] else {
                patch[key] = value
                continue
            }
            if case .object(let oldChild) = previous, case .object(let newChild) = value {
                let child = diffMembers(oldChild, newChild)
                if !child.isEmpty { patch[key] = .object(child) }
            } else if previous != value {
                patch[key] = value
            }
        }
        for key in old.keys where new[key] == nil {
            patch[key] = .null
        }
        return patch
    }
}

/// Applies a JSON Merge Patch (RFC 7386) to `document`; see `JSONMergePatch.apply(_:to:)`.
public func applyMergePatch(_ patch: JSONValue, to document: JSONValue) -> JSONValue {
    JSONMergePatch.apply(patch, to: document)
}

/// Computes a JSON Merge Patch from `original` to `modified`; see `JSONMergePatch.diff(from:to:)`.
public func createMergePatch(from original: JSONValue, to modified: JSONValue) -> JSONValue {
    JSONMergePatch.diff(from: original, to: modified)
}
