#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The UTC offsets of one IANA time zone over time, read from a compiled TZif file (the
/// system's `/usr/share/zoneinfo`): the transition table, and past its end the POSIX rule of
/// the file's footer (`CET-1CEST,M3.5.0,M10.5.0/3`).
public struct ZoneRules: Sendable, Hashable {
    /// The zone's name (`Europe/Berlin`).
    public let identifier: String
    let transitions: [Int64]
    let offsets: [Int]
    let initialOffset: Int
    let rule: PosixTimeZoneRule?

    /// Coordinated Universal Time.
    public static let utc = ZoneRules(identifier: "UTC", transitions: [], offsets: [], initialOffset: 0, rule: nil)

    init(identifier: String, transitions: [Int64], offsets: [Int], initialOffset: Int, rule: PosixTimeZoneRule?) {
        self.identifier = identifier
        self.transitions = transitions
        self.offsets = offsets
        self.initialOffset = initialOffset
        self.rule = rule
    }

    /// Loads the zone `identifier` from `directory`. `UTC`, `Etc/UTC` and an empty name need no file.
    /// - Throws: ``ZoneRulesError`` for a malformed name, a missing file or a corrupt file.
    public static func load(_ identifier: String, directory: String = "/usr/share/zoneinfo") throws(ZoneRulesError) -> ZoneRules {
        if identifier.isEmpty || identifier == "UTC" || identifier == "Etc/UTC" { return .utc }
        let parts = identifier.split(separator: "/", omittingEmptySubsequences: false)
        guard !identifier.hasPrefix("/"), parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }),
              identifier.allSatisfy({ $0.isLetter || $0.isNumber || "/_-+".contains($0) })
        else { throw .invalidName(identifier) }
        guard let data = FileManager.default.contents(atPath: directory + "/" + identifier) else {
            throw .unknown(identifier)
        }
        return try ZoneRules(identifier: identifier, tzif: [UInt8](data))
    }

    /// Parses a TZif file (versions 1 to 4).
    /// - Throws: ``ZoneRulesError/corrupt(_:)`` when it is not one.
    public init(identifier: String, tzif bytes: [UInt8]) throws(ZoneRulesError) {
        var reader = TZifReader(bytes: bytes, identifier: identifier)
        var header = try reader.header()
        var timeSize = 4
        if header.version >= 2 {
            try reader.skip(header.v1DataSize)
            header = try reader.header()
            timeSize = 8
        }
        var transitions: [Int64] = []
        for _ in 0..<header.timeCount { transitions.append(try reader.signed(timeSize)) }
        var typeIndexes: [Int] = []
        for _ in 0..<header.timeCount { typeIndexes.append(Int(try reader.byte())) }
        var typeOffsets: [Int] = []
        var typeIsDST: [Bool] = []
        for _ in 0..<header.typeCount {
            typeOffsets.append(Int(try reader.signed(4)))
            typeIsDST.append(try reader.byte() != 0)
            _ = try reader.byte()
        }
        guard !typeOffsets.isEmpty, typeIndexes.allSatisfy({ $0 < typeOffsets.count }) else {
            throw .corrupt(identifier)
        }
        try reader.skip(header.charCount + header.leapCount * (timeSize + 4) + header.stdCount + header.utcCount)
        var rule: PosixTimeZoneRule?
        if header.version >= 2, let footer = reader.footer() {
            rule = PosixTimeZoneRule(footer)
        }
        self.identifier = identifier
        self.transitions = transitions
        self.offsets = typeIndexes.map { typeOffsets[$0] }
        self.initialOffset = typeOffsets[typeIsDST.firstIndex(of: false) ?? 0]
        self.rule = rule
    }

    /// The offset from UTC, in seconds, at the instant `utc` (seconds since the epoch).
    public func offset(at utc: Int64) -> Int {
        guard let last = transitions.last else { return rule?.offset(at: utc) ?? initialOffset }
        if utc >= last, let rule { return rule.offset(at: utc) }
        if utc < transitions[0] { return initialOffset }
        var low = 0
        var high = transitions.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if transitions[mid] <= utc { low = mid } else { high = mid - 1 }
        }
        return offsets[low]
    }

    /// The instants whose wall-clock time in this zone is `local` (seconds since the wall
    /// clock's 1970-01-01T00:00): none in a gap, two in an overlap, ascending.
    public func instants(ofLocal local: Int64) -> [Int64] {
        let candidates = Set([offset(at: local - 86_400), offset(at: local), offset(at: local + 86_400)])
        return candidates.map { local - Int64($0) }.filter { offset(at: $0) == Int(local - $0) }.sorted()
    }
}

/// Why a time zone could not be loaded.
public enum ZoneRulesError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not a valid zone name.
    case invalidName(String)
    /// No such zone in the database.
    case unknown(String)
    /// The zone's file is not valid TZif.
    case corrupt(String)

    /// A readable explanation.
    public var description: String {
        switch self {
        case .invalidName(let name): "invalid time zone name \"\(name)\""
        case .unknown(let name): "unknown time zone \(name)"
        case .corrupt(let name): "time zone file of \(name) is corrupt"
        }
    }
}

/// Reads big-endian TZif fields.
struct TZifReader {
    struct Header {
        var version: Int
        var utcCount: Int
        var stdCount: Int
        var leapCount: Int
        var timeCount: Int
        var typeCount: Int
        var charCount: Int
        var v1DataSize: Int { timeCount * 5 + typeCount * 6 + charCount + leapCount * 8 + stdCount + utcCount }
    }

    let bytes: [UInt8]
    let identifier: String
    var position = 0

    init(bytes: [UInt8], identifier: String) {
        self.bytes = bytes
        self.identifier = identifier
    }

    mutating func header() throws(ZoneRulesError) -> Header {
        guard position + 44 <= bytes.count, bytes[position..<position + 4].elementsEqual("TZif".utf8) else {
            throw .corrupt(identifier)
        }
        let versionByte = bytes[position + 4]
        position += 20
        let version = versionByte == 0 ? 1 : Int(versionByte) - 48
        var counts: [Int] = []
        for _ in 0..<6 { counts.append(Int(try signed(4))) }
        guard counts.allSatisfy({ $0 >= 0 }) else { throw .corrupt(identifier) }
        return Header(version: version, utcCount: counts[0], stdCount: counts[1], leapCount: counts[2],
                      timeCount: counts[3], typeCount: counts[4], charCount: counts[5])
    }

    mutating func skip(_ count: Int) throws(ZoneRulesError) {
        guard position + count <= bytes.count else { throw .corrupt(identifier) }
        position += count
    }

    mutating func byte() throws(ZoneRulesError) -> UInt8 {
        guard position < bytes.count else { throw .corrupt(identifier) }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func signed(_ size: Int) throws(ZoneRulesError) -> Int64 {
        guard position + size <= bytes.count else { throw .corrupt(identifier) }
        var value: UInt64 = 0
        for i in 0..<size { value = value << 8 | UInt64(bytes[position + i]) }
        position += size
        if size == 4 { return Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: value))) }
        return Int64(bitPattern: value)
    }

    /// The POSIX TZ string between the two newlines at the end of a v2+ file.
    func footer() -> String? {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\n") else { return nil }
        let rest = bytes[(position + 1)...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let text = String(decoding: bytes[(position + 1)..<end], as: UTF8.self)
        return text.isEmpty ? nil : text
    }
}
