import Foundation
import Testing

/// What the `k3s` binary links. Full Foundation (and the 34 MB of ICU data behind it) must stay
/// out: one `import Foundation` anywhere in k3s's module graph — in the project or through a
/// dependency's default trait — makes Foundation's `String` methods resolve in every module
/// above it, and the release binary doubles in size. A debug build links the Swift libraries
/// dynamically, so its `NEEDED` entries show what the static release binary would carry.
@Suite struct BinaryFootprintTests {
    @Test("k3s links FoundationEssentials, never all of Foundation or its ICU data")
    func noFullFoundation() async throws {
        let binary = try K3sServerProcess.builtExecutable("k3s")
        let result = try await run("/usr/bin/env", ["ldd", binary])
        #expect(result.status == 0, "\(result.stderr)")
        let libraries = result.stdout.split(separator: "\n").compactMap { line in
            line.split(separator: " ").first.map { String($0.trimmingCharacters(in: .whitespaces)) }
        }
        // Only a build with the Swift libraries linked dynamically shows them (the test suite's
        // debug build does); the essentials are always there.
        try #require(libraries.contains("libFoundationEssentials.so"), "not a dynamically linked build: \(result.stdout)")
        let forbidden = ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"]
        for library in forbidden {
            #expect(!libraries.contains(library), "k3s links \(library): some module imports all of Foundation")
        }
    }
}
