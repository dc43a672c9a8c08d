import Foundation
import KubeAPI
import Logging
import Testing
@testable import Cluster

@Suite struct KubeconfigTests {
    let logger = Logger(label: "test.kubeconfig")

    @Test(arguments: [
        ("0.0.0.0", 6443, "https://127.0.0.1:6443"),
        ("127.0.0.1", 7443, "https://127.0.0.1:7443"),
        ("10.0.0.5", 6443, "https://10.0.0.5:6443"),
        ("fd00::5", 6443, "https://[fd00::5]:6443"),
    ])
    func serverURL(bind: String, port: Int, expected: String) {
        var config = ServerConfiguration(host: testHost)
        config.bindAddress = IPAddress(bind)!
        config.httpsListenPort = port
        #expect(Kubeconfig.serverURL(for: config) == expected)
    }

    @Test func writesWithModeAndParents() throws {
        let tmp = try TemporaryDirectory()
        var options = ServerOptions()
        options.set("data-dir", tmp.path)
        options.set("write-kubeconfig", tmp.file("etc/rancher/k3s/k3s.yaml"))
        let config = try ServerConfiguration(options: options, host: testHost)
        let credentials = try ServerCredentials.prepare(configuration: config, logger: logger)
        try credentials.writeKubeconfig(for: config)
        #expect(try FileSystem.permissions(config.writeKubeconfig) == 0o600)

        options.set("write-kubeconfig-mode", "0644")
        let open = try ServerConfiguration(options: options, host: testHost)
        try credentials.writeKubeconfig(for: open)
        #expect(try FileSystem.permissions(config.writeKubeconfig) == 0o644)
        let text = try String(contentsOfFile: config.writeKubeconfig, encoding: .utf8)
        #expect(text.contains("current-context: default"))
        #expect(text.contains("server: https://127.0.0.1:6443"))
    }

    // Needs kubectl (.ci/run fails without it).
    @Test(.enabled(if: findTool("kubectl") != nil, "needs kubectl on PATH"))
    func kubectlAcceptsIt() throws {
        let kubectl = try #require(findTool("kubectl"))
        let tmp = try TemporaryDirectory()
        var options = ServerOptions()
        options.set("data-dir", tmp.path)
        options.set("https-listen-port", "7443")
        options.set("write-kubeconfig", tmp.file("k3s.yaml"))
        let config = try ServerConfiguration(options: options, host: testHost)
        let credentials = try ServerCredentials.prepare(configuration: config, logger: logger)
        try credentials.writeKubeconfig(for: config)

        func view(_ path: String) throws -> String {
            let result = try runTool(kubectl, ["--kubeconfig", config.writeKubeconfig, "config", "view", "--raw", "-o", "jsonpath=\(path)"])
            #expect(result.status == 0, "\(result.error)")
            return result.output
        }
        #expect(try view("{.current-context}") == "default")
        #expect(try view("{.clusters[0].name}") == "default")
        #expect(try view("{.clusters[0].cluster.server}") == "https://127.0.0.1:7443")
        #expect(try view("{.contexts[0].context.user}") == "default")
        let ca = try view("{.clusters[0].cluster.certificate-authority-data}")
        #expect(Data(base64Encoded: ca).map { String(decoding: $0, as: UTF8.self) } == credentials.pki.serverCAPEM)
        let cert = try view("{.users[0].user.client-certificate-data}")
        #expect(Data(base64Encoded: cert).map { String(decoding: $0, as: UTF8.self) } == credentials.pki.admin.certificatePEM)
        let key = try view("{.users[0].user.client-key-data}")
        #expect(Data(base64Encoded: key).map { String(decoding: $0, as: UTF8.self) } == credentials.pki.admin.privateKeyPEM)

        // kubectl loads the client certificate and key (it fails on connecting, not on the file).
        let probe = try runTool(kubectl, ["--kubeconfig", config.writeKubeconfig, "--server", "https://127.0.0.1:1", "--request-timeout=2s", "get", "--raw", "/version"])
        #expect(probe.status != 0)
        #expect(probe.error.contains("refused"), "\(probe.error)")
        #expect(!probe.error.contains("unable to load"), "\(probe.error)")
    }
}
