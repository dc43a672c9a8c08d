/// Reads the members of an uncompressed tar archive held in memory: ustar and old-style
/// headers, PAX extended headers (`path`, `linkpath`, `size`) and GNU long names (`L`, `K`).
///
/// Used to read archives back (tests, inspection); character and block devices, FIFOs and PAX
/// global headers are skipped.
public struct TarReader: Sendable {
    /// The archive.
    public let bytes: [UInt8]

    /// Creates a reader over a whole archive.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Every member, in archive order.
    ///
    /// - Throws: ``TarFormatError`` for a bad checksum, a truncated member or a malformed
    ///   number, with the byte offset of the header.
    public func entries() throws(TarFormatError) -> [TarEntry] {
        var result: [TarEntry] = []
        var offset = 0
        var pending: [String: String] = [:]
        let block = TarWriter.blockSize
        while offset + block <= bytes.count {
            let header = bytes[offset..<(offset + block)]
            if header.allSatisfy({ $0 == 0 }) { break }
            let sum = header.enumerated().reduce(0) { $0 + (148..<156 ~= $1.offset ? 32 : Int($1.element)) }
            guard let stored = octal(offset + 148, 8), stored == sum else {
                throw TarFormatError(offset: offset, message: "bad header checksum")
            }
            guard var size = octal(offset + 124, 12) else { throw TarFormatError(offset: offset, message: "bad size field") }
            if let paxSize = pending["size"], let value = Int(paxSize) { size = value }
            let dataStart = offset + block
            guard dataStart + size <= bytes.count else { throw TarFormatError(offset: offset, message: "member runs past the end of the archive") }
            let data = Array(bytes[dataStart..<(dataStart + size)])
            offset = dataStart + (size + block - 1) / block * block
            let type = header[header.startIndex + 156]
            switch type {
            case UInt8(ascii: "x"):
                pending.merge(Self.paxRecords(data)) { $1 }
                continue
            case UInt8(ascii: "g"):
                continue
            case UInt8(ascii: "L"):
                pending["path"] = Self.cString(data[...])
                continue
            case UInt8(ascii: "K"):
                pending["linkpath"] = Self.cString(data[...])
                continue
            default: break
            }
            let headerStart = dataStart - block
            var name = field(headerStart, 0, 100)
            if field(headerStart, 257, 5) == "ustar" {
                let prefix = field(headerStart, 345, 155)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            if let path = pending["path"] { name = path }
            let linkName = pending["linkpath"] ?? field(headerStart, 157, 100)
            pending = [:]
            let mode = UInt32(octal(headerStart + 100, 8) ?? 0) & 0o7777
            let uid = octal(headerStart + 108, 8) ?? 0
            let gid = octal(headerStart + 116, 8) ?? 0
            let mtime = Int64(octal(headerStart + 136, 12) ?? 0)
            let kind: TarEntry.Kind
            switch type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                kind = name.hasSuffix("/") ? .directory : .file(data)
            case UInt8(ascii: "1"): kind = .hardLink(target: linkName)
            case UInt8(ascii: "2"): kind = .symlink(target: linkName)
            case UInt8(ascii: "5"): kind = .directory
            default: continue
            }
            result.append(TarEntry(path: name, kind: kind, mode: mode, uid: uid, gid: gid, modificationTime: mtime))
        }
        return result
    }

    private func field(_ headerStart: Int, _ offset: Int, _ width: Int) -> String {
        Self.cString(bytes[(headerStart + offset)..<(headerStart + offset + width)])
    }

    /// An octal number field (spaces and NULs around it allowed), or `nil` when malformed.
    private func octal(_ start: Int, _ width: Int) -> Int? {
        let text = Self.cString(bytes[start..<(start + width)]).trimmingSpaces()
        if text.isEmpty { return 0 }
        return Int(text, radix: 8)
    }

    static func cString(_ slice: ArraySlice<UInt8>) -> String {
        let end = slice.firstIndex(of: 0) ?? slice.endIndex
        return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
    }

    /// The key-value records of a PAX extended header.
    static func paxRecords(_ data: [UInt8]) -> [String: String] {
        var records: [String: String] = [:]
        var index = 0
        while index < data.count {
            guard let space = data[index...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[index..<space], as: UTF8.self)), length > 0,
                  index + length <= data.count
            else { break }
            let record = data[(space + 1)..<(index + length - 1)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                records[String(decoding: record[..<equals], as: UTF8.self)] = String(decoding: record[(equals + 1)...], as: UTF8.self)
            }
            index += length
        }
        return records
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
