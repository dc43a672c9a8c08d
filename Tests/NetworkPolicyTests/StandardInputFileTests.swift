import Foundation
import NFTables
import Testing

/// A child that exits before reading its input must not bring this process down: with a pipe,
/// swift-subprocess trapped when the reader went away first (a CI run lost its test process to it).
@Suite("Standard input from a file")
struct StandardInputFileTests {
    @Test("a command that never reads a large script still reports its status")
    func childIgnoringItsInputIsFine() async throws {
        let script = String(repeating: "add table inet never-read\n", count: 40_000)
        // `true` exits at once without reading: the runner must see a success, not trap.
        try await CommandNFTablesRunner(nft: "/bin/true").apply(script)
        // `false` exits at once too: its failure is reported as an error.
        await #expect(throws: NFTablesError.self) { try await CommandNFTablesRunner(nft: "/bin/false").apply(script) }
    }

    @Test("a command that reads its script gets all of it")
    func childReadsEverything() async throws {
        let script = String(repeating: "0123456789", count: 100_000)
        // A stand-in for nft that succeeds only when its standard input holds exactly the script.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-stdin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let expected = directory.appendingPathComponent("expected")
        try Data(script.utf8).write(to: expected)
        let tool = directory.appendingPathComponent("fake-nft")
        try Data("#!/bin/sh\nexec cmp -s - '\(expected.path)'\n".utf8).write(to: tool)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool.path)
        try await CommandNFTablesRunner(nft: tool.path).apply(script)
        await #expect(throws: NFTablesError.self) { try await CommandNFTablesRunner(nft: tool.path).apply(script + "x") }
    }
}
