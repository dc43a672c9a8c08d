import Foundation

/// The `apiserver` suite (first figures): time from process start to `/readyz` 200 with an empty
/// data directory, and the server's resident set when idle. Drives the real `k3s` binary built
/// next to this one; `/readyz` is polled with curl and the admin client certificate.
struct APIServerBench {
    func run() throws {
        let k3s = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("k3s").path
        guard FileManager.default.isExecutableFile(atPath: k3s) else {
            throw BenchError("build k3s first: swift build -c release --product k3s")
        }
        var readySamples: [Double] = []
        var rssSamples: [Double] = []
        for _ in 0..<3 {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-bench-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let port = 20_000 + Int.random(in: 0..<20_000)
            let server = Process()
            server.executableURL = URL(fileURLWithPath: k3s)
            server.arguments = [
                "server", "--data-dir", dir, "--https-listen-port", "\(port)", "--bind-address", "127.0.0.1",
                "--disable-agent", "--write-kubeconfig", dir + "/kubeconfig.yaml",
            ]
            server.standardOutput = FileHandle.nullDevice
            server.standardError = FileHandle.nullDevice
            let start = ContinuousClock.now
            try server.run()
            defer {
                server.terminate()
                server.waitUntilExit()
            }
            let tls = dir + "/server/tls"
            var ready = false
            while ContinuousClock.now - start < .seconds(30) {
                if FileManager.default.fileExists(atPath: tls + "/client-admin.key"),
                   curl(["-sf", "--cacert", tls + "/server-ca.crt", "--cert", tls + "/client-admin.crt",
                         "--key", tls + "/client-admin.key", "https://127.0.0.1:\(port)/readyz"]) {
                    ready = true
                    break
                }
                usleep(2_000)
            }
            guard ready else { throw BenchError("k3s server did not become ready within 30 s") }
            readySamples.append(seconds(ContinuousClock.now - start) * 1000)
            usleep(1_000_000)
            rssSamples.append(residentSetMB(pid: server.processIdentifier))
        }
        emit("ready_ms", percentile(readySamples, 0.5), "ms")
        emit("rss_idle_mb", percentile(rssSamples, 0.5), "MB")
    }

    private func curl(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    private func emit(_ name: String, _ value: Double, _ unit: String) {
        let figure = Figure(suite: "apiserver", backend: "sqlite", name: name, parameters: [], value: value, unit: unit)
        FileHandle.standardOutput.write(Data((figure.jsonLine + "\n").utf8))
    }
}

/// The resident set of another process, in MiB.
func residentSetMB(pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return .nan }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return (line.split(separator: " ").compactMap { Double($0) }.first ?? .nan) / 1024
    }
    return .nan
}
