import Subprocess

/// Fetches releases with `curl` (HTTPS with the system's CA bundle, proxies from the
/// environment), as K3s's upgrade image does.
public struct CurlReleaseFetcher: ReleaseFetcher {
    /// The curl executable.
    public var curl: String

    /// Creates a fetcher.
    public init(curl: String = "/usr/bin/curl") { self.curl = curl }

    public func resolveChannel(_ url: String) async throws -> String {
        let location = try await run(["-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{redirect_url}", url])
        guard let version = location.split(separator: "/").last.map(String.init), !version.isEmpty, !location.isEmpty else {
            throw ReleaseError("the channel \(url) did not redirect to a release")
        }
        return version
    }

    public func text(_ url: String) async throws -> String {
        try await run(["-fsSL", "--max-time", "60", url])
    }

    public func download(_ url: String, to path: String) async throws {
        _ = try await run(["-fsSL", "--max-time", "1800", "-o", path, url])
    }

    private func run(_ arguments: [String]) async throws -> String {
        let status: TerminationStatus, output: String, errors: String
        do {
            let result = try await Subprocess.run(
                .path(.init(curl)), arguments: .init(arguments), input: .none, output: .string(limit: 1 << 20), error: .string(limit: 1 << 16))
            (status, output, errors) = (result.terminationStatus, result.standardOutput, result.standardError)
        } catch {
            throw ReleaseError("curl could not run: \(error)")
        }
        guard status.isSuccess else { throw ReleaseError("curl \(arguments.last ?? ""): \(errors.trimmingSpaces())") }
        return output
    }
}
