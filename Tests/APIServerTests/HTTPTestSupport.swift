@testable import APIServer
import ClusterTesting
import Crypto
import Foundation
import HTTPTypes
import KubeClient
import Logging
import SwiftASN1
import Testing
import Synchronization
import X509

/// Throwaway PKI for the transport tests: a CA, a serving certificate for 127.0.0.1/localhost,
/// a client certificate (CN alice, O dev and ops) from the same CA, and a client certificate
/// from an unrelated CA. Everything is written as PEM files into a temporary directory.
struct TestPKI: Sendable {
    let directory: URL
    let caPEM: String
    let serverCertPEM: String
    let serverKeyPEM: String

    var caFile: String { directory.appendingPathComponent("ca.pem").path }
    var clientCertFile: String { directory.appendingPathComponent("client.pem").path }
    var clientKeyFile: String { directory.appendingPathComponent("client-key.pem").path }
    var rogueCertFile: String { directory.appendingPathComponent("rogue.pem").path }
    var rogueKeyFile: String { directory.appendingPathComponent("rogue-key.pem").path }

    static let shared: TestPKI = {
        do {
            return try TestPKI()
        } catch {
            fatalError("cannot create test PKI: \(error)")
        }
    }()

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("http-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        let now = Date()
        let (caCert, caKey) = try Self.makeCA(name: "test-ca", now: now)
        let (rogueCA, rogueKey) = try Self.makeCA(name: "rogue-ca", now: now)

        let serverKey = P256.Signing.PrivateKey()
        let serverCert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 3600,
            issuer: caCert.subject,
            subject: try DistinguishedName { CommonName("kube-apiserver") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: .init(caKey))

        let clientKey = P256.Signing.PrivateKey()
        let clientCert = try Self.makeClient(
            subject: try DistinguishedName {
                OrganizationName("dev")
                OrganizationName("ops")
                CommonName("alice")
            },
            key: clientKey, issuer: caCert, issuerKey: caKey, now: now)
        let rogueClientKey = P256.Signing.PrivateKey()
        let rogueClient = try Self.makeClient(
            subject: try DistinguishedName { CommonName("mallory") },
            key: rogueClientKey, issuer: rogueCA, issuerKey: rogueKey, now: now)

        caPEM = try caCert.serializeAsPEM().pemString
        serverCertPEM = try serverCert.serializeAsPEM().pemString
        serverKeyPEM = serverKey.pemRepresentation
        try Self.write(caPEM, to: directory.appendingPathComponent("ca.pem"))
        try Self.write(try clientCert.serializeAsPEM().pemString, to: directory.appendingPathComponent("client.pem"))
        try Self.write(clientKey.pemRepresentation, to: directory.appendingPathComponent("client-key.pem"))
        try Self.write(try rogueClient.serializeAsPEM().pemString, to: directory.appendingPathComponent("rogue.pem"))
        try Self.write(rogueClientKey.pemRepresentation, to: directory.appendingPathComponent("rogue-key.pem"))
    }

    var credentials: TLSCredentials {
        TLSCredentials(certificateChainPEM: serverCertPEM, privateKeyPEM: serverKeyPEM, clientCAPEM: caPEM)
    }

    private static func makeCA(name: String, now: Date) throws -> (Certificate, P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 3600,
            issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
        return (certificate, key)
    }

    private static func makeClient(
        subject: DistinguishedName, key: P256.Signing.PrivateKey, issuer: Certificate, issuerKey: P256.Signing.PrivateKey, now: Date
    ) throws -> Certificate {
        try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 3600,
            issuer: issuer.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: .init(issuerKey))
    }

    private static func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url)
    }
}

/// A handler that records every request and answers with a short text, or with a stream the
/// test controls when the path is `/stream`.
final class RecordingHandler: APIHandler {
    struct StreamHandle: Sendable {
        let continuation: AsyncStream<[UInt8]>.Continuation
        let terminated: Latch
    }

    private let requests = Mutex<[APIRequest]>([])
    private let streams = Mutex<[StreamHandle]>([])
    private let streamOpened = Latch()

    var recorded: [APIRequest] { requests.withLock { $0 } }

    func handle(_ request: APIRequest) async -> APIResponse {
        requests.withLock { $0.append(request) }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain"
        if request.path == "/stream" {
            let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
            let terminated = Latch()
            continuation.onTermination = { _ in terminated.open() }
            continuation.yield(Array("first\n".utf8))
            streams.withLock { $0.append(StreamHandle(continuation: continuation, terminated: terminated)) }
            streamOpened.open()
            return APIResponse(status: .ok, headers: headers, body: .stream(stream))
        }
        return APIResponse(status: .ok, headers: headers, body: .bytes(Array("handled \(request.method.rawValue) \(request.path)".utf8)))
    }

    /// The first stream the handler opened, once it exists.
    func firstStream(within deadline: Duration = .seconds(20)) async throws -> StreamHandle {
        try await withDeadline(deadline, "a stream request") {
            await self.streamOpened.wait()
        }
        return try #require(streams.withLock { $0.first })
    }
}

/// Runs `body` against a server on a free loopback port, then shuts the server down and waits
/// for `run()` to return, also when `body` throws.
func withTestServer(
    handler: any APIHandler,
    credentials: TLSCredentials = TestPKI.shared.credentials,
    configure: (inout HTTPSServer.Configuration) -> Void = { _ in },
    _ body: (HTTPSServer, Int) async throws -> Void
) async throws {
    var configuration = HTTPSServer.Configuration(host: "127.0.0.1", port: 0, tls: credentials)
    configure(&configuration)
    let server = try HTTPSServer(configuration: configuration, handler: handler, logger: Logger(label: "test.https"))
    let port = try await server.bind()
    let running = Task { try await server.run() }
    do {
        try await body(server, port)
    } catch {
        server.shutdown()
        running.cancel()
        _ = await running.result
        throw error
    }
    server.shutdown()
    try await withDeadline(.seconds(20), "server shutdown") {
        try await running.value
    }
}

/// What a curl run produced.
struct CurlResult: Sendable {
    var exitCode: Int32
    var status: Int
    var httpVersion: String
    var body: [UInt8]
    var headers: [String: String]
    var stderr: String

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Runs curl against the test server and waits for it (without blocking a thread).
///
/// - Parameters:
///   - http2: `--http2` (ALPN h2) or `--http1.1`.
///   - clientCert: `client` (CN alice), `rogue` (from an unknown CA) or `nil` for none.
func curl(
    port: Int, path: String, http2: Bool, clientCert: String? = "client",
    extraArguments: [String] = [], timeout: Duration = .seconds(90)
) async throws -> CurlResult {
    let pki = TestPKI.shared
    let id = UUID().uuidString
    let bodyFile = pki.directory.appendingPathComponent("body-\(id)")
    let headerFile = pki.directory.appendingPathComponent("headers-\(id)")
    defer {
        try? FileManager.default.removeItem(at: bodyFile)
        try? FileManager.default.removeItem(at: headerFile)
    }
    var arguments = [
        "--silent", "--show-error", "--max-time", "60",
        http2 ? "--http2" : "--http1.1",
        "--cacert", pki.caFile,
        "-o", bodyFile.path, "-D", headerFile.path,
        "-w", "%{http_code} %{http_version}",
    ]
    switch clientCert {
    case "client": arguments += ["--cert", pki.clientCertFile, "--key", pki.clientKeyFile]
    case "rogue": arguments += ["--cert", pki.rogueCertFile, "--key", pki.rogueKeyFile]
    default: break
    }
    arguments += extraArguments
    arguments.append("https://127.0.0.1:\(port)\(path)")

    let process = CurlProcess(arguments: arguments)
    let (exitCode, stdout, stderr) = try await process.run(timeout: timeout)
    let parts = stdout.split(separator: " ")
    let body = (try? Data(contentsOf: bodyFile)).map { [UInt8]($0) } ?? []
    var headers: [String: String] = [:]
    if let headerText = try? String(contentsOf: headerFile, encoding: .utf8) {
        for line in headerText.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
    return CurlResult(
        exitCode: exitCode,
        status: parts.first.flatMap { Int($0) } ?? 0,
        httpVersion: parts.count > 1 ? String(parts[1]) : "",
        body: body, headers: headers, stderr: stderr)
}

/// A curl child process whose output can be awaited as it arrives; killed when dropped.
final class CurlProcess: Sendable {
    private let process: Mutex<Process>
    private let pipes = Mutex<(stdout: Pipe, stderr: Pipe)>((Pipe(), Pipe()))
    private let output = Mutex<(stdout: [UInt8], waiters: [(Int, CheckedContinuation<Void, Never>)])>(([], []))
    private let exited = Latch()
    private let exitStatus = Mutex<Int32>(-1)

    init(executable: String = "/usr/bin/curl", arguments: [String]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        self.process = Mutex(process)
    }

    /// Starts curl. With `streaming`, stdout is collected as it arrives (see
    /// ``awaitOutput(atLeast:within:)``); otherwise it is read once curl exits.
    func start(streaming: Bool) throws {
        let (stdout, stderr) = pipes.withLock { $0 }
        if streaming {
            stdout.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                let ready = self.output.withLock { state -> [CheckedContinuation<Void, Never>] in
                    state.stdout.append(contentsOf: data)
                    let count = state.stdout.count
                    let ready = state.waiters.filter { $0.0 <= count }.map(\.1)
                    state.waiters.removeAll { $0.0 <= count }
                    return ready
                }
                ready.forEach { $0.resume() }
            }
        }
        try process.withLock { process in
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = FileHandle.nullDevice
            process.terminationHandler = { [weak self] finished in
                guard let self else { return }
                self.exitStatus.withLock { $0 = finished.terminationStatus }
                self.exited.open()
            }
            try process.run()
        }
    }

    /// Returns once at least `count` bytes arrived on stdout.
    func awaitOutput(atLeast count: Int, within deadline: Duration = .seconds(20)) async throws -> [UInt8] {
        try await withDeadline(deadline, "\(count) bytes of curl output") {
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let now = self.output.withLock { state -> Bool in
                        if state.stdout.count >= count || Task.isCancelled { return true }
                        state.waiters.append((count, continuation))
                        return false
                    }
                    if now { continuation.resume() }
                }
            } onCancel: {
                let waiters = self.output.withLock { state -> [CheckedContinuation<Void, Never>] in
                    defer { state.waiters = [] }
                    return state.waiters.map(\.1)
                }
                waiters.forEach { $0.resume() }
            }
        }
        return output.withLock { $0.stdout }
    }

    /// Waits for curl to exit.
    func awaitExit(within deadline: Duration = .seconds(30)) async throws -> Int32 {
        try await withDeadline(deadline, "curl exit") {
            await self.exited.wait()
        }
        return exitStatus.withLock { $0 }
    }

    /// Runs curl to completion (its output must be small): exit code, stdout, stderr.
    func run(timeout: Duration) async throws -> (Int32, String, String) {
        try start(streaming: false)
        defer { terminate() }
        let code = try await awaitExit(within: timeout)
        let (stdout, stderr) = pipes.withLock { $0 }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        return (code, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// Kills curl (SIGKILL: a signal mask inherited from the test runner may block SIGTERM) if
    /// it still runs.
    func terminate() {
        process.withLock { process in
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    deinit {
        process.withLock { process in
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        pipes.withLock { $0.stdout.fileHandleForReading.readabilityHandler = nil }
    }
}
