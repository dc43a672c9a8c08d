import KubeAPI

/// One line of a container log file in the CRI format:
/// `<RFC3339Nano timestamp> <stdout|stderr> <P|F> <text>`.
///
/// `P` marks a partial record (the runtime split a long line, or the process has not finished
/// it yet): its text continues in the next record of the same stream. `F` ends a line.
public struct CRILogRecord: Sendable, Hashable {
    /// Which stream the text came from.
    public enum Stream: String, Sendable, Hashable {
        /// Standard output.
        case stdout
        /// Standard error.
        case stderr
    }

    /// The timestamp exactly as written in the file.
    public var timestampText: String
    /// The timestamp, microseconds since the epoch.
    public var time: MicroTime
    /// The stream.
    public var stream: Stream
    /// Whether the line continues in the next record (`P`).
    public var partial: Bool
    /// The text, without the line's newline.
    public var content: [UInt8]

    /// Creates a record.
    public init(timestampText: String, time: MicroTime, stream: Stream, partial: Bool, content: [UInt8]) {
        self.timestampText = timestampText
        self.time = time
        self.stream = stream
        self.partial = partial
        self.content = content
    }

    /// Parses one line of a CRI log file (without its trailing newline).
    ///
    /// - Throws: ``CRILogFormatError`` naming the field that is missing or malformed.
    public init(parsing line: some Collection<UInt8>) throws(CRILogFormatError) {
        var rest = ArraySlice(line)
        /// The bytes up to the next space (or the end when `last`), consuming the space.
        func field(_ name: String, last: Bool = false) throws(CRILogFormatError) -> String {
            guard let space = rest.firstIndex(of: UInt8(ascii: " ")) else {
                guard last else { throw CRILogFormatError("missing \(name) in CRI log line") }
                defer { rest = rest[rest.endIndex...] }
                return String(decoding: rest, as: UTF8.self)
            }
            defer { rest = rest[(space + 1)...] }
            return String(decoding: rest[..<space], as: UTF8.self)
        }
        let timestamp = try field("timestamp")
        let time: MicroTime
        do {
            time = try MicroTime(parsing: timestamp)
        } catch {
            throw CRILogFormatError("invalid timestamp in CRI log line: \(error)")
        }
        let streamText = try field("stream")
        guard let stream = Stream(rawValue: streamText) else {
            throw CRILogFormatError("invalid stream \"\(streamText)\" in CRI log line")
        }
        // The tag may end an empty line ("... stdout F"); more flags may follow ':' (reserved).
        let tag = try field("tag", last: true)
        let flag = tag.split(separator: ":", omittingEmptySubsequences: false).first ?? ""
        guard flag == "P" || flag == "F" else {
            throw CRILogFormatError("invalid tag \"\(tag)\" in CRI log line (expected P or F)")
        }
        self.init(timestampText: timestamp, time: time, stream: stream, partial: flag == "P", content: Array(rest))
    }
}

/// A line of a container log file that is not in the CRI format.
public struct CRILogFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}
