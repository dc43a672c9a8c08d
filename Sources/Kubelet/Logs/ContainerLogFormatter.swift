import KubeAPI

/// Turns CRI log records into what `kubectl logs` prints: partial records joined into lines,
/// lines before `since` left out, optional timestamp prefixes, output cut at `limitBytes`.
///
/// A logical line is shown or skipped as a whole, by the time of its first record; with
/// timestamps, the first record's timestamp prefixes the line.
public struct ContainerLogFormatter: Sendable {
    let since: MicroTime?
    let timestamps: Bool
    var remaining: Int?
    /// Per stream, whether a partial line is open and whether it is being skipped.
    var open: [CRILogRecord.Stream: Bool] = [:]

    /// Creates a formatter; `since` is the earliest time shown (see
    /// ``ContainerLogOptions/since(now:)``).
    public init(options: ContainerLogOptions, since: MicroTime?) {
        self.since = since
        self.timestamps = options.timestamps
        self.remaining = options.limitBytes
    }

    /// Whether the byte limit has been reached: nothing more will be output.
    public var isExhausted: Bool { remaining == 0 }

    /// The output for one record, appended to `output`.
    public mutating func append(_ record: CRILogRecord, to output: inout [UInt8]) {
        guard remaining != 0 else { return }
        let continuing = open[record.stream]
        let shown: Bool
        if let continuing {
            shown = continuing
        } else {
            shown = since.map { record.time >= $0 } ?? true
        }
        if record.partial {
            open[record.stream] = shown
        } else {
            open[record.stream] = nil
        }
        guard shown else { return }
        var piece: [UInt8] = []
        if timestamps, continuing == nil {
            piece += Array(record.timestampText.utf8)
            piece.append(UInt8(ascii: " "))
        }
        piece += record.content
        if !record.partial { piece.append(UInt8(ascii: "\n")) }
        if let limit = remaining {
            if piece.count >= limit {
                output += piece.prefix(limit)
                remaining = 0
                return
            }
            remaining = limit - piece.count
        }
        output += piece
    }

    /// The index of the first record of the last `lines` logical lines: a record that ends a line
    /// (`F`) closes one; trailing partial records form one more. Records before it are dropped
    /// by `tailLines`.
    public static func tailStart(_ records: [CRILogRecord], lines: Int) -> Int {
        guard lines > 0 else { return records.count }
        var seen = 0
        var index = records.count
        // Trailing partial records are an unfinished line.
        if let last = records.last, last.partial { seen = 1 }
        while index > 0 {
            let record = records[index - 1]
            if !record.partial {
                if seen == lines { return index }
                seen += 1
            }
            index -= 1
        }
        return 0
    }
}
