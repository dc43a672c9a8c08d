import KubeAPI

/// The query parameters of `PodLogOptions`, `PodExecOptions`, `PodAttachOptions` and
/// `PodPortForwardOptions`, read and checked as upstream reads them, and their translation to
/// the kubelet's query.
struct PodStreamOptions: Sendable {
    var container = ""
    var follow = false
    var previous = false
    var timestamps = false
    var sinceSeconds: Int64?
    var sinceTime: String?
    var tailLines: Int64?
    var limitBytes: Int64?
    var stdin = false
    var stdout = false
    var stderr = false
    var tty = false
    var command: [String] = []
    var ports: [String] = []

    /// Reads the options; a malformed value is a 400.
    init(_ query: [(name: String, value: String)]) throws {
        for (name, value) in query {
            switch name {
            case "container": container = value
            case "follow": follow = try Self.bool(name, value)
            case "previous": previous = try Self.bool(name, value)
            case "timestamps": timestamps = try Self.bool(name, value)
            case "sinceSeconds": sinceSeconds = try Self.integer(name, value)
            case "sinceTime": sinceTime = value
            case "tailLines": tailLines = try Self.integer(name, value)
            case "limitBytes": limitBytes = try Self.integer(name, value)
            case "stdin": stdin = try Self.bool(name, value)
            case "stdout": stdout = try Self.bool(name, value)
            case "stderr": stderr = try Self.bool(name, value)
            case "tty": tty = try Self.bool(name, value)
            case "command": command.append(value)
            case "ports": ports.append(value)
            default: continue
            }
        }
    }

    /// The `/containerLogs` query; invalid combinations are a 422 on `PodLogOptions`.
    func kubeletLogQuery() throws -> [(name: String, value: String)] {
        var errors: [FieldError] = []
        if let sinceSeconds, sinceSeconds < 1 {
            errors.append(.invalid("sinceSeconds", value: .int(sinceSeconds), detail: "must be greater than 0"))
        }
        if sinceSeconds != nil, sinceTime != nil {
            errors.append(.forbidden("sinceTime", detail: "at most one of `sinceTime` or `sinceSeconds` may be specified"))
        }
        if let tailLines, tailLines < 0 {
            errors.append(.invalid("tailLines", value: .int(tailLines), detail: "must be greater than or equal to 0"))
        }
        if let limitBytes, limitBytes < 1 {
            errors.append(.invalid("limitBytes", value: .int(limitBytes), detail: "must be greater than 0"))
        }
        if !errors.isEmpty {
            throw StatusError.invalid(GroupKind(group: "", kind: "PodLogOptions"), name: "", errors: errors)
        }
        var query: [(name: String, value: String)] = []
        if follow { query.append(("follow", "true")) }
        if previous { query.append(("previous", "true")) }
        if timestamps { query.append(("timestamps", "true")) }
        if let sinceSeconds { query.append(("sinceSeconds", String(sinceSeconds))) }
        if let sinceTime { query.append(("sinceTime", sinceTime)) }
        if let tailLines { query.append(("tailLines", String(tailLines))) }
        if let limitBytes { query.append(("limitBytes", String(limitBytes))) }
        return query
    }

    /// The `/exec` (with `command`) or `/attach` query.
    func kubeletStreamQuery(exec: Bool) throws -> [(name: String, value: String)] {
        var query: [(name: String, value: String)] = []
        if exec {
            guard !command.isEmpty else { throw StatusError.badRequest("you must specify at least 1 command") }
            query += command.map { ("command", $0) }
        }
        if stdin { query.append(("input", "1")) }
        if stdout { query.append(("output", "1")) }
        if stderr { query.append(("error", "1")) }
        if tty { query.append(("tty", "1")) }
        return query
    }

    /// A boolean as Go's `strconv.ParseBool` reads it.
    private static func bool(_ name: String, _ value: String) throws -> Bool {
        switch value {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: throw StatusError.badRequest("invalid value \(value.debugDescription) for query parameter \(name): want a boolean")
        }
    }

    private static func integer(_ name: String, _ value: String) throws -> Int64 {
        guard let number = Int64(value) else {
            throw StatusError.badRequest("invalid value \(value.debugDescription) for query parameter \(name): want an integer")
        }
        return number
    }
}

/// Builds the request target (`/path?query`) of a proxied request, percent-encoding what
/// needs it.
enum BackendTarget {
    static func make(path: String, query: [(name: String, value: String)]) -> String {
        var target = encode(path, keeping: "/:@!$&'()*+,;=")
        if !query.isEmpty {
            target += "?" + query.map { encode($0.name, keeping: "") + "=" + encode($0.value, keeping: "") }.joined(separator: "&")
        }
        return target
    }

    private static func encode(_ text: String, keeping extra: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            if unreserved || extra.utf8.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
