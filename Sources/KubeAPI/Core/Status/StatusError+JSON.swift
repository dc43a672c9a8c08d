import OrderedCollections

extension StatusError {
    /// The `Status` object the API server writes for this error, in the server's member order:
    /// `kind`, `apiVersion`, `metadata`, `status` (`Failure`), `message`, `reason`, `details`, `code`.
    /// Empty strings, empty cause lists and a zero retry hint are left out, as the server does.
    public func statusJSON() -> JSONValue {
        var object: OrderedDictionary<String, JSONValue> = [
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": .object([:]),
            "status": "Failure",
        ]
        if !message.isEmpty { object["message"] = .string(message) }
        if reason != .unknown { object["reason"] = .string(reason.rawValue) }
        if let details {
            var d = OrderedDictionary<String, JSONValue>()
            if !details.name.isEmpty { d["name"] = .string(details.name) }
            if !details.group.isEmpty { d["group"] = .string(details.group) }
            if !details.kind.isEmpty { d["kind"] = .string(details.kind) }
            if !details.uid.isEmpty { d["uid"] = .string(details.uid) }
            if !details.causes.isEmpty {
                d["causes"] = .array(details.causes.map { cause in
                    var c = OrderedDictionary<String, JSONValue>()
                    if !cause.reason.isEmpty { c["reason"] = .string(cause.reason) }
                    if !cause.message.isEmpty { c["message"] = .string(cause.message) }
                    if !cause.field.isEmpty { c["field"] = .string(cause.field) }
                    return .object(c)
                })
            }
            if details.retryAfterSeconds != 0 { d["retryAfterSeconds"] = .int(Int64(details.retryAfterSeconds)) }
            object["details"] = .object(d)
        }
        object["code"] = .int(Int64(code))
        return .object(object)
    }

    /// Reads a `Status` object (as returned by an API server) back into an error.
    ///
    /// Returns `nil` when the value is not an object with `kind: Status` or its `status` is
    /// `Success`. Unknown reasons become ``StatusReason/unknown``; missing fields are empty.
    public init?(statusJSON value: JSONValue) {
        guard value["kind"]?.stringValue == "Status" else { return nil }
        if value["status"]?.stringValue == "Success" { return nil }
        let code = Int(value["code"]?.intValue ?? 0)
        let reason = StatusReason(rawValue: value["reason"]?.stringValue ?? "") ?? .unknown
        let message = value["message"]?.stringValue ?? ""
        var details: Details? = nil
        if let d = value["details"], d.objectValue != nil {
            let causes = (d["causes"]?.arrayValue ?? []).map { cause in
                Cause(
                    reason: cause["reason"]?.stringValue ?? "",
                    message: cause["message"]?.stringValue ?? "",
                    field: cause["field"]?.stringValue ?? "")
            }
            details = Details(
                name: d["name"]?.stringValue ?? "",
                group: d["group"]?.stringValue ?? "",
                kind: d["kind"]?.stringValue ?? "",
                uid: d["uid"]?.stringValue ?? "",
                causes: causes,
                retryAfterSeconds: Int(d["retryAfterSeconds"]?.intValue ?? 0))
        }
        self.init(code: code, reason: reason, message: message, details: details)
    }
}
