/// Writes a POSIX tar archive (ustar headers) into memory.
///
/// Names up to 100 bytes go in the header's name field, longer ones are split over the ustar
/// prefix and name fields at a `/` when they fit, and otherwise travel in a PAX extended header
/// (`path`), as link targets longer than 100 bytes do (`linkpath`). User and group names are
/// left empty and nothing depends on the clock, so the same entries always give the same bytes.
public struct TarWriter: Sendable {
    /// The archive so far (without the end-of-archive marker until ``finish()``).
    public private(set) var bytes: [UInt8] = []

    static let blockSize = 512
    /// The largest size the 11 octal digits of a ustar size field hold.
    static let largestOctalSize = 0o77777777777

    /// Creates an empty archive.
    public init() {}

    /// Appends one member.
    public mutating func append(_ entry: TarEntry) {
        let isDirectory = entry.kind == .directory
        let name = isDirectory ? entry.path + "/" : entry.path
        let content: [UInt8]
        let typeFlag: UInt8
        var linkName = ""
        switch entry.kind {
        case .file(let data):
            content = data
            typeFlag = UInt8(ascii: "0")
        case .directory:
            content = []
            typeFlag = UInt8(ascii: "5")
        case .symlink(let target):
            content = []
            typeFlag = UInt8(ascii: "2")
            linkName = target
        case .hardLink(let target):
            content = []
            typeFlag = UInt8(ascii: "1")
            linkName = TarEntry.normalize(target)
        }
        var pax: [(String, String)] = []
        let split = Self.split(name)
        if split == nil { pax.append(("path", name)) }
        if linkName.utf8.count > 100 { pax.append(("linkpath", linkName)) }
        if content.count > Self.largestOctalSize { pax.append(("size", String(content.count))) }
        if !pax.isEmpty {
            var records: [UInt8] = []
            for (key, value) in pax { records += Self.paxRecord(key, value) }
            let paxName = "PaxHeaders/" + String(decoding: entry.path.utf8.suffix(80), as: UTF8.self)
            appendHeader(
                name: (prefix: "", name: String(decoding: paxName.utf8.prefix(100), as: UTF8.self)),
                mode: 0o644, uid: 0, gid: 0, size: records.count, mtime: 0,
                typeFlag: UInt8(ascii: "x"), linkName: "")
            appendPadded(records)
        }
        let headerName = split ?? (prefix: "", name: String(decoding: name.utf8.prefix(100), as: UTF8.self))
        appendHeader(
            name: headerName, mode: entry.mode, uid: entry.uid, gid: entry.gid,
            size: content.count > Self.largestOctalSize ? 0 : content.count, mtime: entry.modificationTime,
            typeFlag: typeFlag, linkName: String(decoding: linkName.utf8.prefix(100), as: UTF8.self))
        appendPadded(content)
    }

    /// Appends several members in order.
    public mutating func append(contentsOf entries: some Sequence<TarEntry>) {
        for entry in entries { append(entry) }
    }

    /// The finished archive: the members followed by two zero blocks.
    public func finish() -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: 2 * Self.blockSize)
    }

    /// Writes `entries` into a finished archive.
    public static func archive(_ entries: some Sequence<TarEntry>) -> [UInt8] {
        var writer = TarWriter()
        writer.append(contentsOf: entries)
        return writer.finish()
    }

    // MARK: - Encoding

    /// `name` as ustar's (prefix, name) fields, or `nil` when it fits neither way.
    static func split(_ name: String) -> (prefix: String, name: String)? {
        let utf8 = Array(name.utf8)
        if utf8.count <= 100 { return ("", name) }
        guard utf8.count <= 256 else { return nil }
        // The prefix is everything before a slash; the rest (after it) must fit in 100 bytes.
        for index in utf8.indices.reversed() where utf8[index] == UInt8(ascii: "/") {
            let prefixLength = index
            let restLength = utf8.count - index - 1
            if restLength > 100 { break }
            if prefixLength <= 155, restLength > 0 {
                return (String(decoding: utf8[..<index], as: UTF8.self), String(decoding: utf8[(index + 1)...], as: UTF8.self))
            }
        }
        return nil
    }

    /// One PAX record, `"<length> <key>=<value>\n"`, whose length counts itself.
    static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).utf8.count + body.utf8.count > length { length += 1 }
        return Array((String(length) + body).utf8)
    }

    private mutating func appendHeader(
        name: (prefix: String, name: String), mode: UInt32, uid: Int, gid: Int, size: Int, mtime: Int64,
        typeFlag: UInt8, linkName: String
    ) {
        var header = [UInt8](repeating: 0, count: Self.blockSize)
        Self.put(name.name, into: &header, at: 0, width: 100)
        Self.putOctal(Int(mode & 0o7777), into: &header, at: 100, width: 8)
        Self.putOctal(uid, into: &header, at: 108, width: 8)
        Self.putOctal(gid, into: &header, at: 116, width: 8)
        Self.putOctal(size, into: &header, at: 124, width: 12)
        Self.putOctal(Int(max(0, mtime)), into: &header, at: 136, width: 12)
        header[156] = typeFlag
        Self.put(linkName, into: &header, at: 157, width: 100)
        Self.put("ustar", into: &header, at: 257, width: 6)
        header[263] = UInt8(ascii: "0")
        header[264] = UInt8(ascii: "0")
        Self.put(name.prefix, into: &header, at: 345, width: 155)
        // The checksum is computed with its own field full of spaces.
        for index in 148..<156 { header[index] = UInt8(ascii: " ") }
        let checksum = header.reduce(0) { $0 + Int($1) }
        Self.putOctal(checksum, into: &header, at: 148, width: 7)
        header[155] = UInt8(ascii: " ")
        bytes += header
    }

    private mutating func appendPadded(_ content: [UInt8]) {
        bytes += content
        let remainder = content.count % Self.blockSize
        if remainder != 0 { bytes += [UInt8](repeating: 0, count: Self.blockSize - remainder) }
    }

    private static func put(_ text: String, into header: inout [UInt8], at offset: Int, width: Int) {
        for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
    }

    /// `value` in octal, zero-padded to `width - 1` digits and NUL-terminated.
    private static func putOctal(_ value: Int, into header: inout [UInt8], at offset: Int, width: Int) {
        let digits = String(value, radix: 8)
        let padded = String(repeating: "0", count: max(0, width - 1 - digits.utf8.count)) + digits
        put(padded, into: &header, at: offset, width: width - 1)
        header[offset + width - 1] = 0
    }
}
