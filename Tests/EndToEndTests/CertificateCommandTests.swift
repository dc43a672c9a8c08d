import Foundation
import Testing

/// `k3s certificate check|rotate` against a real server's data directory, and what a TLS client
/// sees after a restart. Needs the openssl tool (Debian's `openssl`; .ci/run installs it).
@Suite(.serialized, .enabled(if: K3sServerProcess.executable(named: "openssl") != nil, "needs openssl on PATH"))
struct CertificateCommandTests {
    var k3s: String { get throws { try K3sServerProcess.builtExecutable("k3s") } }
    var openssl: String { K3sServerProcess.executable(named: "openssl")! }

    /// The serving certificate the server presents to a TLS client: serial and end of validity.
    func presentedCertificate(_ server: K3sServerProcess) async throws -> (serial: String, notAfter: Date) {
        let kubeconfig = try String(contentsOfFile: server.kubeconfig, encoding: .utf8)
        let port = try #require(kubeconfig.split(separator: "\n").first { $0.contains("server: https://") }?.split(separator: ":").last)
        let handshake = try await run(openssl, ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"], stdin: "")
        let details = try await run(openssl, ["x509", "-noout", "-serial", "-enddate"], stdin: handshake.stdout)
        #expect(details.status == 0, "\(handshake.stderr) \(details.stderr)")
        var serial = "", notAfter = Date.distantPast
        for line in details.stdout.split(separator: "\n") {
            if line.hasPrefix("serial=") { serial = String(line.dropFirst(7)) }
            if line.hasPrefix("notAfter=") {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.dateFormat = "MMM d HH:mm:ss yyyy zzz"
                let text = line.dropFirst(9).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                notAfter = try #require(formatter.date(from: text), "\(text)")
            }
        }
        return (serial, notAfter)
    }

    @Test func checkPrintsEveryCertificateInK3sLayouts() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let table = try await run(k3s, ["certificate", "check", "--data-dir", server.dataDir, "--output", "table"])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("FILENAME") == true && lines.first?.contains("RESIDUAL TIME") == true, "\(table.stdout)")
        for file in ["client-admin.crt", "serving-kube-apiserver.crt", "server-ca.crt", "client-ca.crt"] {
            let row = lines.first { $0.hasPrefix(file) }
            #expect(row?.hasSuffix("OK") == true, "\(file): \(table.stdout)")
        }
        #expect(lines.first { $0.hasPrefix("serving-kube-apiserver.crt") }?.contains("12 months") == true)

        let text = try await run(k3s, ["certificate", "check", "--data-dir", server.dataDir])
        #expect(text.stdout.contains("INFO client-admin.crt: certificate system:admin (ClientAuth) is ok, expires at "), "\(text.stdout)")

        let bad = try await run(k3s, ["certificate", "check", "--data-dir", server.dataDir, "--output", "yaml"])
        #expect(bad.status != 0 && bad.stderr.contains("invalid output format yaml"))
    }

    @Test func rotateThenRestartServesNewCertificates() async throws {
        let first = try await K3sServerProcess.start()
        let dataDir = first.dataDir
        let before = try await presentedCertificate(first)
        let adminBefore = try String(contentsOfFile: dataDir + "/server/tls/client-admin.crt", encoding: .utf8)
        first.stop(keepingData: true)

        let unknown = try await run(k3s, ["certificate", "rotate", "--data-dir", dataDir, "--service", "kube-apiserver"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("service kube-apiserver is not recognized"), "\(unknown.stderr)")

        let rotated = try await run(k3s, ["certificate", "rotate", "--data-dir", dataDir, "--service", "api-server", "--debug"])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(rotated.stderr.contains("backed up to \(dataDir)/server/tls-"), "\(rotated.stderr)")
        #expect(rotated.stderr.contains("backed up"), "--debug shows each copy")
        #expect(!FileManager.default.fileExists(atPath: dataDir + "/server/tls/serving-kube-apiserver.crt"))

        let second = try await K3sServerProcess.start(dataDir: dataDir)
        defer { second.stop() }
        let after = try await presentedCertificate(second)
        #expect(after.serial != before.serial, "a TLS client sees a new serving certificate")
        #expect(after.notAfter >= before.notAfter)
        #expect(try String(contentsOfFile: dataDir + "/server/tls/client-admin.crt", encoding: .utf8) == adminBefore, "admin not rotated")
        // The kubeconfig still works (same CA, admin certificate kept).
        if K3sServerProcess.kubectlAvailable {
            try await second.kubectlOK("get", "namespaces")
        }
    }

    @Test func aCertificateNearExpiryIsRenewedAtStart() async throws {
        let first = try await K3sServerProcess.start()
        let dataDir = first.dataDir
        first.stop(keepingData: true)
        // A serving certificate signed by the server CA for 30 days only.
        let tls = dataDir + "/server/tls"
        let csr = try await run(openssl, [
            "req", "-new", "-key", tls + "/serving-kube-apiserver.key", "-subj", "/CN=kube-apiserver", "-out", dataDir + "/short.csr",
        ])
        #expect(csr.status == 0, "\(csr.stderr)")
        let signed = try await run(openssl, [
            "x509", "-req", "-in", dataDir + "/short.csr", "-CA", tls + "/server-ca.crt", "-CAkey", tls + "/server-ca.key",
            "-set_serial", "4242", "-days", "30", "-out", tls + "/serving-kube-apiserver.crt",
        ])
        #expect(signed.status == 0, "\(signed.stderr)")
        let check = try await run(k3s, ["certificate", "check", "--data-dir", dataDir, "--output", "table"])
        #expect(check.stdout.split(separator: "\n").first { $0.hasPrefix("serving-kube-apiserver.crt") }?.hasSuffix("WARNING") == true,
                "\(check.stdout)")

        let second = try await K3sServerProcess.start(dataDir: dataDir)
        defer { second.stop() }
        let presented = try await presentedCertificate(second)
        #expect(presented.serial != "1092", "not the short-lived certificate (serial 4242 = 0x1092)")
        #expect(presented.notAfter > Date().addingTimeInterval(360 * 86_400), "renewed for a year: \(presented.notAfter)")
        #expect(second.log.contains("expires within 90 days"), "the start says why it re-issued")
    }
}
