import KubeAPI

/// What `GET /containerLogs/{namespace}/{pod}/{container}` asks for, read from the query
/// (`follow`, `previous`, `tailLines`, `sinceSeconds`, `sinceTime`, `timestamps`, `limitBytes`).
public struct ContainerLogOptions: Sendable, Hashable {
    /// Keep streaming new lines until the container exits or the client goes away.
    public var follow = false
    /// Read the previous attempt's log instead of the current one.
    public var previous = false
    /// Only the last N lines (a partial line joined with its continuation counts once).
    public var tailLines: Int?
    /// Only lines written in the last N seconds.
    public var sinceSeconds: Int?
    /// Only lines written at or after this time.
    public var sinceTime: MicroTime?
    /// Prefix each line with its RFC 3339 timestamp and a space.
    public var timestamps = false
    /// Stop after this many bytes of output.
    public var limitBytes: Int?

    /// The default: the whole current log, no timestamps.
    public init() {}

    /// Reads the options from query parameters; unknown parameters are ignored, the last value of a
    /// repeated one wins.
    ///
    /// - Throws: `StatusError` 400 naming the parameter that does not parse or is out of range.
    public init(query: [(name: String, value: String)]) throws(StatusError) {
        for (name, value) in query {
            switch name {
            case "follow": follow = try Self.bool(name, value)
            case "previous": previous = try Self.bool(name, value)
            case "timestamps": timestamps = try Self.bool(name, value)
            case "tailLines": tailLines = try Self.integer(name, value, minimum: 0)
            case "sinceSeconds": sinceSeconds = try Self.integer(name, value, minimum: 1)
            case "limitBytes": limitBytes = try Self.integer(name, value, minimum: 1)
            case "sinceTime":
                do {
                    sinceTime = try MicroTime(parsing: value)
                } catch {
                    throw StatusError.badRequest("invalid value for sinceTime: \(error)")
                }
            default: continue
            }
        }
        if sinceSeconds != nil, sinceTime != nil {
            throw StatusError.badRequest("at most one of sinceTime or sinceSeconds may be specified")
        }
    }

    /// The earliest time a line may have to be shown, given the current time.
    public func since(now: MicroTime) -> MicroTime? {
        if let sinceTime { return sinceTime }
        guard let sinceSeconds else { return nil }
        return MicroTime(microsecondsSinceEpoch: now.microsecondsSinceEpoch - Int64(sinceSeconds) * 1_000_000)
    }

    /// A boolean the way Go's `strconv.ParseBool` reads it (`1`, `t`, `true`, `0`, `f`, `false`, ...).
    static func bool(_ name: String, _ value: String) throws(StatusError) -> Bool {
        switch value {
        case "1", "t", "T", "true", "TRUE", "True", "": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: throw StatusError.badRequest("invalid value for \(name): \"\(value)\" is not a boolean")
        }
    }

    static func integer(_ name: String, _ value: String, minimum: Int) throws(StatusError) -> Int {
        guard let number = Int(value) else {
            throw StatusError.badRequest("invalid value for \(name): \"\(value)\" is not an integer")
        }
        guard number >= minimum else {
            throw StatusError.badRequest("invalid value for \(name): \(number): must be greater than or equal to \(minimum)")
        }
        return number
    }
}
