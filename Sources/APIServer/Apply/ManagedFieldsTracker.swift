import HTTPTypes
import KubeAPI

/// Keeps `metadata.managedFields` current on the writes of one request: who the manager is,
/// which part of the object the write may own, and the bookkeeping itself (a
/// ``FieldManager`` over the kind's schema).
struct ManagedFieldsTracker: Sendable {
    /// The ownership rules of the kind and target.
    let fieldManager: FieldManager
    /// The manager of this request.
    let manager: String
    /// Whether the write goes through a subresource (then requests cannot set `managedFields`).
    let isSubresource: Bool
    /// The kind, for errors.
    let groupKind: GroupKind

    /// The field manager of a kind for writes to `target`.
    static func fieldManager(_ descriptor: ResourceDescriptor, target: UpdateTarget) -> FieldManager {
        let scope: FieldManager.Scope
        switch target {
        case .status: scope = .statusSubresource
        case .main, .finalize: scope = descriptor.subresource("status") != nil ? .mainResource : .whole
        case .whole: scope = .whole
        }
        return FieldManager(
            schema: .kubernetes, root: MergeSchema.kubernetes.roots[descriptor.groupVersionKind],
            apiVersion: descriptor.apiVersion, scope: scope)
    }

    /// The manager named by a request: the `fieldManager` parameter, else the User-Agent up
    /// to its first `/` (printable characters only, at most 128 bytes).
    static func manager(of request: APIRequest) -> String {
        if let given = request.queryValue("fieldManager"), !given.isEmpty { return given }
        let agent = request.headers[.userAgent] ?? ""
        var out = ""
        for character in agent.prefix(while: { $0 != "/" }) {
            guard character.unicodeScalars.allSatisfy(Self.isPrintable) else { continue }
            if out.utf8.count + String(character).utf8.count > ManagedFieldsEntry.maximumManagerLength { break }
            out.append(character)
        }
        return out
    }

    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: return false
        case .spaceSeparator: return scalar == " "
        default: return true
        }
    }

    /// Checks the `fieldManager` parameter (and `force`, allowed only for apply) the way
    /// upstream validates `CreateOptions`, `UpdateOptions` and `PatchOptions`.
    ///
    /// - Throws: 422 Invalid naming the options kind.
    static func validateOptions(_ request: APIRequest, optionsKind: String, isApply: Bool = false) throws {
        var errors: [FieldError] = []
        let given = request.queryValue("fieldManager") ?? ""
        if isApply && given.isEmpty {
            errors.append(.required("fieldManager", detail: "is required for apply patch"))
        }
        if given.utf8.count > ManagedFieldsEntry.maximumManagerLength {
            errors.append(FieldError(kind: .tooLong, field: "fieldManager", badValue: .string(given),
                                     detail: "may not be more than \(ManagedFieldsEntry.maximumManagerLength) bytes"))
        } else if !given.unicodeScalars.allSatisfy(isPrintable) {
            errors.append(.invalid("fieldManager", value: .string(given), detail: "must only contain printable characters"))
        }
        if optionsKind == "PatchOptions" && !isApply && request.queryValue("force") != nil {
            errors.append(FieldError(kind: .forbidden, field: "force", detail: "may not be specified for non-apply patch"))
        }
        if !errors.isEmpty {
            throw StatusError.invalid(GroupKind(group: "meta.k8s.io", kind: optionsKind), name: "", errors: errors)
        }
    }

    /// Creates the tracker of a request.
    init(request: APIRequest, descriptor: ResourceDescriptor, target: UpdateTarget) {
        fieldManager = Self.fieldManager(descriptor, target: target)
        manager = Self.manager(of: request)
        isSubresource = target == .status
        groupKind = descriptor.groupVersionKind.groupKind
    }

    /// Creates the tracker of a write through the `scale` subresource (owns `spec.replicas`).
    init(scaleRequest request: APIRequest, descriptor: ResourceDescriptor) {
        var fieldManager = Self.fieldManager(descriptor, target: .main)
        fieldManager.scope = .scaleSubresource
        self.fieldManager = fieldManager
        manager = Self.manager(of: request)
        isSubresource = true
        groupKind = descriptor.groupVersionKind.groupKind
    }

    /// The current time as recorded in entries.
    static func now() -> String { Time.now().description }

    /// `new` with `managedFields` updated for a non-apply write from `live` (nil for a create).
    ///
    /// A non-empty `managedFields` list in `new` (main resource only) replaces the recorded
    /// one, so a client may edit or clear it (a list of one empty entry clears it); an empty
    /// or missing list keeps the recorded one.
    ///
    /// - Throws: 422 Invalid when the sent list does not parse.
    func recordUpdate(live: JSONValue?, new: JSONValue) throws -> JSONValue {
        let sent = new["metadata"]?["managedFields"]
        var managed: [ManagedFieldsEntry]
        if !isSubresource, let sent, let items = sent.arrayValue, !items.isEmpty {
            do {
                managed = try ManagedFieldsEntry.decode(sent)
            } catch {
                throw invalid(error, object: new)
            }
        } else if !isSubresource, let sent, !sent.isNull, sent.arrayValue == nil {
            throw invalid(.invalidEntry(field: "metadata.managedFields", value: sent, reason: "must be a list"), object: new)
        } else {
            managed = Self.recorded(live)
        }
        let entries = fieldManager.update(live: live, new: new, managed: managed, manager: manager, now: Self.now())
        return Self.setting(entries, on: new)
    }

    /// The entries stored on an object (unreadable ones are dropped).
    static func recorded(_ object: JSONValue?) -> [ManagedFieldsEntry] {
        (try? ManagedFieldsEntry.decode(object?["metadata"]?["managedFields"])) ?? []
    }

    /// `object` with `metadata.managedFields` set to `entries` (removed when empty).
    static func setting(_ entries: [ManagedFieldsEntry], on object: JSONValue) -> JSONValue {
        var out = object
        out.updateMetadata { meta in
            if let encoded = ManagedFieldsEntry.encode(entries) { meta["managedFields"] = encoded } else { meta.removeValue(forKey: "managedFields") }
        }
        return out
    }

    func invalid(_ error: FieldManagementError, object: JSONValue) -> StatusError {
        let kind = groupKind
        switch error {
        case .invalidEntry(let field, let value, let reason):
            return StatusError.invalid(kind, name: object.metadataString("name"), errors: [.invalid(field, value: value, detail: reason)])
        case .malformedFieldsV1:
            return StatusError.invalid(kind, name: object.metadataString("name"), errors: [
                .invalid("metadata.managedFields", value: .null, detail: error.description),
            ])
        }
    }
}
