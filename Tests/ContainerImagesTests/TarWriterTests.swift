import Foundation
import Testing

@testable import ContainerImages

@Suite("TarWriter")
struct TarWriterTests {
    static let longDirectory = String(repeating: "d", count: 120) + "/" + String(repeating: "e", count: 20)
    static let longPAXPath = "x/" + String(repeating: "q", count: 149) + "/" + String(repeating: "p", count: 150)
    static let entries: [TarEntry] = [
        .directory("etc"),
        .file("etc/hello", text: "hello\n"),
        .file("/bin/tool", [0x7f, 0x45, 0x4c, 0x46, 0, 1, 2], mode: 0o4755),
        .symlink("bin/sh", to: "tool"),
        TarEntry(path: "etc/link", kind: .hardLink(target: "etc/hello"), mode: 0o644, uid: 1000, gid: 1001),
        // 141 bytes: split over ustar's prefix and name fields.
        .file(longDirectory + "/file", text: "split"),
        // 302 bytes with a last component of 150: needs a PAX path record.
        .file(longPAXPath, text: "pax"),
        .symlink("far", to: "/" + String(repeating: "t", count: 150)),
        .directory("tmp", mode: 0o1777),
    ]

    @Test("entries read back as written, with long names, modes and owners")
    func roundTrip() throws {
        let archive = TarWriter.archive(Self.entries)
        #expect(archive.count % 512 == 0)
        #expect(archive.suffix(1024).allSatisfy { $0 == 0 })
        let read = try TarReader(archive).entries()
        #expect(read == Self.entries)
    }

    @Test("PAX records count their own length")
    func paxRecordLength() {
        for valueLength in [1, 4, 5, 90, 95, 96, 97, 98, 990, 995, 996] {
            let record = TarWriter.paxRecord("path", String(repeating: "a", count: valueLength))
            let length = Int(String(decoding: record.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self))
            #expect(length == record.count, "value of \(valueLength) bytes")
        }
    }

    @Test("GNU tar extracts the archive with the same contents, links and modes")
    func gnuTarReadsIt() throws {
        let directory = try TemporaryDirectory()
        let archivePath = directory.path + "/a.tar"
        try Data(TarWriter.archive(Self.entries)).write(to: URL(fileURLWithPath: archivePath))
        let out = directory.path + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let result = try run("/bin/tar", ["-xpf", archivePath, "-C", out])
        #expect(result.status == 0, "\(result.output)")
        #expect(try String(contentsOfFile: out + "/etc/hello", encoding: .utf8) == "hello\n")
        #expect(try String(contentsOfFile: out + "/" + Self.longDirectory + "/file", encoding: .utf8) == "split")
        #expect(try String(contentsOfFile: out + "/" + Self.longPAXPath, encoding: .utf8) == "pax")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/bin/sh") == "tool")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/far") == "/" + String(repeating: "t", count: 150))
        let toolMode = try FileManager.default.attributesOfItem(atPath: out + "/bin/tool")[.posixPermissions] as? Int
        #expect(toolMode == 0o4755)
        let listing = try run("/bin/tar", ["-tvf", archivePath])
        #expect(listing.output.contains("etc/link link to etc/hello"))
    }

    @Test("a corrupted header is refused with its offset")
    func badChecksum() {
        var archive = TarWriter.archive([.file("a", text: "x")])
        archive[0] = UInt8(ascii: "b")
        #expect(throws: TarFormatError.self) { try TarReader(archive).entries() }
    }
}
