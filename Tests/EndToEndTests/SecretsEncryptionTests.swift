import CSQLite
import Foundation
import Testing

/// Secrets encryption at rest through the real binaries: `k3s server --secrets-encryption`,
/// `k3s secrets-encrypt`, kubectl, and the raw rows of the server's SQLite file.
@Suite(.enabled(if: K3sServerProcess.kubectlAvailable, "needs kubectl on PATH"))
struct SecretsEncryptionTests {
    static let marker = "e2e-plaintext-marker"

    /// The latest stored value of every Secret, by key (read-only, beside the running server).
    static func latestSecretRows(_ server: K3sServerProcess) throws -> [String: [UInt8]] {
        try query(server, """
            SELECT key, value FROM kv WHERE rev IN (SELECT MAX(rev) FROM kv WHERE key LIKE '/registry/secrets/%' GROUP BY key) AND deleted = 0
            """)
    }

    /// Every stored revision of every Secret (history included), by revision.
    static func allSecretRows(_ server: K3sServerProcess) throws -> [String: [UInt8]] {
        try query(server, "SELECT CAST(rev AS TEXT), value FROM kv WHERE key LIKE '/registry/secrets/%' AND deleted = 0")
    }

    static func query(_ server: K3sServerProcess, _ sql: String) throws -> [String: [UInt8]] {
        var db: OpaquePointer?
        guard sqlite3_open_v2(server.dataDir + "/server/db/state.db", &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else {
            throw E2EError("cannot open the SQLite file")
        }
        defer { sqlite3_close(db) }
        sqlite3_busy_timeout(db, 5000)
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
            throw E2EError("bad query: \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        var rows: [String: [UInt8]] = [:]
        while sqlite3_step(statement) == SQLITE_ROW {
            let key = String(cString: sqlite3_column_text(statement, 0))
            let count = Int(sqlite3_column_bytes(statement, 1))
            let blob = sqlite3_column_blob(statement, 1)
            rows[key] = blob.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
        }
        return rows
    }

    static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard bytes.count >= needle.count else { return false }
        return (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// What a stored value may not contain: the marker, raw or base64 (Secret data is base64).
    static func plaintextLeaks(_ bytes: [UInt8]) -> Bool {
        contains(bytes, marker) || contains(bytes, String(Data(marker.utf8).base64EncodedString().prefix(24)))
    }

    static func secretsEncrypt(_ server: K3sServerProcess, _ arguments: String...) async throws -> CommandResult {
        try await run(try K3sServerProcess.builtExecutable("k3s"), ["secrets-encrypt"] + arguments + ["--kubeconfig", server.kubeconfig])
    }

    /// `k3s secrets-encrypt status` once the stage is `stage` (re-encryption runs in the background).
    static func status(_ server: K3sServerProcess, awaiting stage: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(60)
        var last = ""
        while ContinuousClock.now < deadline {
            let result = try await secretsEncrypt(server, "status")
            #expect(result.status == 0, "status failed: \(result.stderr)", sourceLocation: sourceLocation)
            last = result.stdout
            if last.contains("Current Rotation Stage: \(stage)\n") { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("never reached stage \(stage); last status:\n\(last)\n\(server.log.suffix(3000))", sourceLocation: sourceLocation)
        return last
    }

    static func password(_ server: K3sServerProcess, _ name: String) async throws -> String {
        let encoded = try await server.kubectlOK("get", "secret", name, "-o", "jsonpath={.data.password}")
        return String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self)
    }

    @Test func secretsStayEncryptedThroughRotationAndReadBackIntact() async throws {
        let server = try await K3sServerProcess.start(extraArguments: ["--secrets-encryption"])
        var running = server
        defer { running.stop() }

        // First start: a config with one 32-byte AES-CBC key named aescbckey, mode 0600.
        let configPath = server.dataDir + "/server/cred/encryption-config.json"
        let attributes = try FileManager.default.attributesOfItem(atPath: configPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as? [String: Any]
        #expect(config?["kind"] as? String == "EncryptionConfiguration")
        #expect(config?["apiVersion"] as? String == "apiserver.config.k8s.io/v1")
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: configPath)), as: UTF8.self).contains("\"name\":\"aescbckey\""))

        var status = try await Self.status(server, awaiting: "start")
        #expect(status.contains("Encryption Status: Enabled\n"), "\(status)")
        #expect(status.contains(" *      AES-CBC   aescbckey\n"), "\(status)")

        for index in 0..<6 {
            try await server.kubectlOK("create", "secret", "generic", "s\(index)", "--from-literal=password=\(Self.marker)-\(index)")
        }
        try await server.kubectlOK("patch", "secret", "s0", "-p", #"{"stringData":{"extra":"\#(Self.marker)-patched"}}"#)
        try await server.kubectlOK("apply", "--server-side", "-f", "-", stdin: """
            apiVersion: v1
            kind: Secret
            metadata: {name: applied, namespace: default}
            stringData: {password: \(Self.marker)-applied}
            """)
        #expect(try await Self.password(server, "applied") == "\(Self.marker)-applied")
        let history = try Self.allSecretRows(server)
        #expect(!history.isEmpty)
        for (revision, value) in history {
            #expect(value.starts(with: Array("k8s:enc:aescbc:v1:aescbckey:".utf8)), "revision \(revision) is not encrypted")
            #expect(!Self.plaintextLeaks(value), "revision \(revision) holds plaintext")
        }
        #expect(try await Self.password(server, "s3") == "\(Self.marker)-3")

        // prepare: a second key, not active yet.
        #expect(try await Self.secretsEncrypt(server, "rotate").status != 0, "rotate before prepare must be refused")
        let prepare = try await Self.secretsEncrypt(server, "prepare")
        #expect(prepare.status == 0 && prepare.stdout == "prepare completed successfully\n", "\(prepare)")
        status = try await Self.status(server, awaiting: "prepare")
        let newKey = try #require(status.split(separator: "\n").last.map { String($0.split(separator: " ").last ?? "") })
        #expect(newKey.hasPrefix("aescbckey-") && status.contains(" *      AES-CBC   aescbckey\n"), "\(status)")

        // rotate: the new key encrypts; restart on the same data to show it was persisted.
        #expect(try await Self.secretsEncrypt(server, "rotate").stdout == "rotate completed successfully\n")
        server.stop(keepingData: true)
        let restarted = try await K3sServerProcess.start(extraArguments: ["--secrets-encryption"], dataDir: server.dataDir)
        running = restarted
        status = try await Self.status(restarted, awaiting: "rotate")
        #expect(status.contains(" *      AES-CBC   \(newKey)\n"), "\(status)")
        try await restarted.kubectlOK("create", "secret", "generic", "s6", "--from-literal=password=\(Self.marker)-6")
        let s6 = try #require(try Self.latestSecretRows(restarted)["/registry/secrets/default/s6"])
        #expect(s6.starts(with: Array("k8s:enc:aescbc:v1:\(newKey):".utf8)))
        let rv6 = try await restarted.kubectlOK("get", "secret", "s6", "-o", "jsonpath={.metadata.resourceVersion}")
        let rv1 = try await restarted.kubectlOK("get", "secret", "s1", "-o", "jsonpath={.metadata.resourceVersion}")

        // reencrypt: every Secret under the new key, the old key removed, every value intact.
        let reencrypt = try await Self.secretsEncrypt(restarted, "reencrypt")
        #expect(reencrypt.stdout == "reencryption started\n", "\(reencrypt)")
        status = try await Self.status(restarted, awaiting: "reencrypt_finished")
        #expect(status.contains(" *      AES-CBC   \(newKey)\n") && !status.contains("AES-CBC   aescbckey\n"), "\(status)")
        let rows = try Self.latestSecretRows(restarted)
        #expect(rows.count >= 7)
        for (key, value) in rows {
            #expect(value.starts(with: Array("k8s:enc:aescbc:v1:\(newKey):".utf8)), "\(key) is not under the new key")
            #expect(!Self.plaintextLeaks(value), "\(key) holds plaintext")
        }
        for index in 0...6 {
            #expect(try await Self.password(restarted, "s\(index)") == "\(Self.marker)-\(index)")
        }
        // Rewritten Secrets got a new resourceVersion; one already under the new key did not.
        #expect(try await restarted.kubectlOK("get", "secret", "s1", "-o", "jsonpath={.metadata.resourceVersion}") != rv1)
        #expect(try await restarted.kubectlOK("get", "secret", "s6", "-o", "jsonpath={.metadata.resourceVersion}") == rv6)

        // disable: identity first, everything rewritten in plaintext, new writes plaintext.
        #expect(try await Self.secretsEncrypt(restarted, "disable").stdout == "secrets-encryption disabled\n")
        status = try await Self.status(restarted, awaiting: "reencrypt_finished")
        #expect(status.contains("Encryption Status: Disabled\n"), "\(status)")
        try await restarted.kubectlOK("create", "secret", "generic", "s7", "--from-literal=password=\(Self.marker)-7")
        for (key, value) in try Self.latestSecretRows(restarted) {
            #expect(!value.starts(with: Array("k8s:enc:".utf8)), "\(key) is still encrypted")
        }
        let s7 = try #require(try Self.latestSecretRows(restarted)["/registry/secrets/default/s7"])
        #expect(Self.plaintextLeaks(s7))
        #expect(try await Self.password(restarted, "s0") == "\(Self.marker)-0")

        // rotate-keys from there turns it back on with a fresh key in one step.
        #expect(try await Self.secretsEncrypt(restarted, "enable").stdout == "secrets-encryption enabled\n")
        _ = try await Self.status(restarted, awaiting: "reencrypt_finished")
        #expect(try await Self.secretsEncrypt(restarted, "rotate-keys").stdout == "keys rotated, reencryption started\n")
        status = try await Self.status(restarted, awaiting: "reencrypt_finished")
        let third = try #require(status.split(separator: "\n").last.map { String($0.split(separator: " ").last ?? "") })
        #expect(third != newKey && status.contains("Encryption Status: Enabled\n"), "\(status)")
        for (key, value) in try Self.latestSecretRows(restarted) {
            #expect(value.starts(with: Array("k8s:enc:aescbc:v1:\(third):".utf8)), "\(key) is not under the rotated key")
        }
        #expect(try await Self.password(restarted, "s7") == "\(Self.marker)-7")
    }

    /// The endpoints answer `system:masters` only (here: the admin kubeconfig), not any other
    /// authenticated user.
    @Test func onlyAdminsReachTheEndpoints() async throws {
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-e2e-tokens-\(UUID().uuidString.prefix(8)).csv").path
        try Data("dev-token,developer,1001,\"developers\"\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let server = try await K3sServerProcess.start(extraArguments: ["--secrets-encryption", "--token-auth-file", tokenFile])
        defer { server.stop() }
        #expect(try await server.kubectlOK("get", "--raw", "/v1-k3s/encrypt/status").contains("\"activekey\":\"aescbckey\""))
        let kubeconfig = try String(contentsOfFile: server.kubeconfig, encoding: .utf8)
        let url = try #require(kubeconfig.split(separator: "\n").first { $0.contains("server: https://") }?.split(separator: " ").last)
        let kubectl = try #require(K3sServerProcess.executable(named: "kubectl"))
        for path in ["/v1-k3s/encrypt/status", "/v1-k3s/encrypt/config"] {
            let denied = try await run(kubectl, ["--server", String(url), "--insecure-skip-tls-verify", "--token", "dev-token", "get", "--raw", path])
            #expect(denied.status != 0 && denied.stderr.contains("Forbidden"), "\(path): \(denied)")
        }
    }

    @Test func aBadConfigurationFileStopsTheServerWithAClearError() async throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-e2e-enc-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        try FileManager.default.createDirectory(atPath: dataDir + "/server/cred", withIntermediateDirectories: true)
        try Data(#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"aescbc":{"keys":[{"name":"k","secret":"dG9vIHNob3J0"}]}}]}]}"#.utf8)
            .write(to: URL(fileURLWithPath: dataDir + "/server/cred/encryption-config.json"))
        do {
            let server = try await K3sServerProcess.start(extraArguments: ["--secrets-encryption"], dataDir: dataDir)
            server.stop()
            Issue.record("the server started with a bad encryption configuration")
        } catch let error as E2EError {
            #expect(error.description.contains("encryption-config.json"), "\(error)")
            #expect(error.description.contains("must decode to 16, 24 or 32 bytes"), "\(error)")
        }
    }
}
