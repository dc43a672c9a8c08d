import Foundation
import Testing

/// The commit of the source checkout the tests run from (`git rev-parse HEAD`), or nil when
/// this is not a git checkout (or git is missing).
let sourceCheckoutCommit: String? = {
    guard let git = K3sServerProcess.executable(named: "git") else { return nil }
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
    guard let result = try? runBlocking(git, ["-C", directory, "rev-parse", "HEAD"]), result.status == 0 else { return nil }
    let commit = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    return commit.isEmpty ? nil : commit
}()

/// The `k3s` binary is stamped at build time (scripts/build-stamp.sh through the
/// BuildStampPlugin) with the commit, tree state and date it was built from.
@Suite struct BuildStampTests {
    @Test("k3s --version names the commit of the checkout it was built from", .enabled(if: sourceCheckoutCommit != nil, "needs a git checkout"))
    func versionNamesTheCommit() async throws {
        let result = try await run(try K3sServerProcess.builtExecutable("k3s"), ["--version"])
        #expect(result.status == 0, "\(result.stderr)")
        let commit = try #require(sourceCheckoutCommit)
        #expect(result.stdout.contains("commit \(commit), tree clean") || result.stdout.contains("commit \(commit), tree dirty"), "\(result.stdout)")
        #expect(result.stdout.contains(", built 20"), "\(result.stdout)")
    }
}
