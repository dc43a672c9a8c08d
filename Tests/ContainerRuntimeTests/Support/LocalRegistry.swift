#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Subprocess

/// A distribution registry (`docker-registry`) on a loopback port, serving images the test
/// pushes with skopeo; containerd reaches it through `hosts.toml` mirrors. Runs until
/// ``stop()``.
final class LocalRegistry: Sendable {
    let port: Int
    let directory: String
    private let process: Task<Void, Never>

    var address: String { "127.0.0.1:\(port)" }

    /// Starts the registry with its storage in `directory` and waits until it accepts connections.
    init(directory: String) async throws {
        self.directory = directory
        port = try HostTools.freeLoopbackPort()
        let config = """
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: \(directory)/storage
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
            """
        try Data(config.utf8).write(to: URL(filePath: "\(directory)/config.yml"))
        let configPath = "\(directory)/config.yml"
        process = Task {
            var options = PlatformOptions()
            options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
            _ = try? await Subprocess.run(
                .path("/usr/bin/docker-registry"), arguments: ["serve", configPath], platformOptions: options,
                output: .discarded, error: .discarded)
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while !HostTools.accepts(port: port) {
            guard ContinuousClock.now < deadline else {
                process.cancel()
                throw HostTools.Failure(description: "docker-registry did not listen on \(port)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Pushes the OCI archive at `archive` (one image) as `reference` (`pause:3.10`).
    func push(archive: String, as reference: String) async throws {
        try await HostTools.run("/usr/bin/skopeo", [
            "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false", "oci-archive:\(archive)", "docker://\(address)/\(reference)",
        ])
    }

    /// Stops the registry and waits for it.
    func stop() async {
        process.cancel()
        await process.value
    }
}
