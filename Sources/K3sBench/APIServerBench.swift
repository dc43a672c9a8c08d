import Foundation

/// The `apiserver` suite. Without a kubeconfig it drives the real `k3s` binary built next to
/// this one: time from process start to `/readyz` 200 with an empty data directory, idle RSS,
/// then the load of ``APIServerLoad`` against a fresh server. With `--kubeconfig FILE` it runs
/// only the load, against whatever server the file names (for side-by-side comparisons).
struct APIServerBench {
    var kubeconfig: String?
    var quick = false

    func run() async throws {
        if let kubeconfig {
            let target = try BenchTarget(kubeconfig: kubeconfig)
            try await load(target: target, pid: nil, backend: "external")
            return
        }
        let k3s = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("k3s").path
        guard FileManager.default.isExecutableFile(atPath: k3s) else {
            throw BenchError("build k3s first: swift build -c release --product k3s")
        }
        var readySamples: [Double] = []
        var rssSamples: [Double] = []
        for _ in 0..<3 {
            let server = try K3sServer(binary: k3s)
            defer { server.stop() }
            readySamples.append(try server.waitUntilReady())
            usleep(1_000_000)
            rssSamples.append(residentSetMB(pid: server.pid))
        }
        emit("ready_ms", percentile(readySamples, 0.5), "ms", [])
        emit("rss_idle_mb", percentile(rssSamples, 0.5), "MB", [])

        let server = try K3sServer(binary: k3s)
        defer { server.stop() }
        _ = try server.waitUntilReady()
        try await load(target: try BenchTarget(kubeconfig: server.kubeconfig), pid: server.pid, backend: "sqlite")
    }

    private func load(target: BenchTarget, pid: Int32?, backend: String) async throws {
        var load = APIServerLoad(target: target, serverPID: pid, backend: backend) { name, value, unit, parameters in
            let figure = Figure(suite: "apiserver", backend: backend, name: name, parameters: parameters, value: value, unit: unit)
            FileHandle.standardOutput.write(Data((figure.jsonLine + "\n").utf8))
        }
        if quick {
            load.phase = .seconds(1)
            load.watchers = 50
        }
        try await load.run()
    }

    private func emit(_ name: String, _ value: Double, _ unit: String, _ parameters: [(String, Figure.Parameter)]) {
        let figure = Figure(suite: "apiserver", backend: "sqlite", name: name, parameters: parameters, value: value, unit: unit)
        FileHandle.standardOutput.write(Data((figure.jsonLine + "\n").utf8))
    }
}

/// A `k3s server` process on a fresh data directory and a random loopback port.
final class K3sServer {
    let process = Process()
    let directory: String
    let port: Int
    let started: ContinuousClock.Instant
    var pid: Int32 { process.processIdentifier }
    var kubeconfig: String { directory + "/kubeconfig.yaml" }

    /// Starts the server; `extraArguments` are appended to its command line.
    init(binary: String, extraArguments: [String] = []) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-bench-\(UUID().uuidString)").path
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = 20_000 + Int.random(in: 0..<20_000)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "server", "--data-dir", directory, "--https-listen-port", "\(port)", "--bind-address", "127.0.0.1",
            "--disable-agent", "--write-kubeconfig", directory + "/kubeconfig.yaml",
        ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        started = ContinuousClock.now
        try process.run()
    }

    /// Polls `/readyz` (curl, admin certificate) and returns the milliseconds since start.
    func waitUntilReady() throws -> Double {
        let tls = directory + "/server/tls"
        while ContinuousClock.now - started < .seconds(30) {
            if FileManager.default.fileExists(atPath: tls + "/client-admin.key"),
               curl(["-sf", "--cacert", tls + "/server-ca.crt", "--cert", tls + "/client-admin.crt",
                     "--key", tls + "/client-admin.key", "https://127.0.0.1:\(port)/readyz"]) {
                return seconds(ContinuousClock.now - started) * 1000
            }
            usleep(2_000)
        }
        throw BenchError("k3s server did not become ready within 30 s")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
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
}

extension BenchTarget {
    /// Reads the current context of a kubeconfig through `kubectl config view` (which resolves
    /// file references and merges), so any kubeconfig kubectl accepts works.
    init(kubeconfig: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["kubectl", "config", "view", "--raw", "--minify", "--flatten", "-o", "json", "--kubeconfig", kubeconfig]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cluster = ((root["clusters"] as? [[String: Any]])?.first?["cluster"]) as? [String: Any],
              let server = cluster["server"] as? String, let url = URL(string: server), let host = url.host
        else { throw BenchError("cannot read kubeconfig \(kubeconfig) (kubectl config view failed)") }
        let user = ((root["users"] as? [[String: Any]])?.first?["user"]) as? [String: Any] ?? [:]
        func decoded(_ value: Any?) -> [UInt8]? {
            (value as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
        }
        guard let ca = decoded(cluster["certificate-authority-data"]) else {
            throw BenchError("kubeconfig \(kubeconfig) has no certificate-authority-data")
        }
        self.init(
            host: host, port: url.port ?? 443, caPEM: ca,
            clientCertificatePEM: decoded(user["client-certificate-data"]),
            clientKeyPEM: decoded(user["client-key-data"]),
            bearerToken: user["token"] as? String)
    }
}

/// The resident set of another process, in MiB.
func residentSetMB(pid: Int32, field: String = "VmRSS") -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return .nan }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return (line.split(separator: " ").compactMap { Double($0) }.first ?? .nan) / 1024
    }
    return .nan
}
