import KubeAPI
import Testing
@testable import Cluster

@Suite struct ServerConfigurationTests {
    func options(_ pairs: [String: String], list: [String: [String]] = [:]) -> ServerOptions {
        var options = ServerOptions()
        for (key, value) in pairs { options.set(key, value) }
        for (key, items) in list { options.append(key, items) }
        return options
    }

    @Test func defaultsMatchK3s() throws {
        let config = try ServerConfiguration(options: ServerOptions(), host: testHost)
        #expect(config.dataDir == "/var/lib/rancher/k3s")
        #expect(config.datastore == .sqlite(path: "/var/lib/rancher/k3s/server/db/state.db"))
        #expect(config.httpsListenPort == 6443)
        #expect(config.bindAddress == IPAddress("0.0.0.0"))
        #expect(config.advertiseAddress == IPAddress("192.168.1.20"))
        #expect(config.tlsSANs.isEmpty)
        #expect(config.writeKubeconfig == "/etc/rancher/k3s/k3s.yaml")
        #expect(config.writeKubeconfigMode == 0o600)
        #expect(config.token == nil)
        #expect(config.tokenAuthFile == nil)
        #expect(config.serviceNodePortRange == 30000...32767)
        #expect(config.serviceCIDRs.map(\.description) == ["10.43.0.0/16"])
        #expect(config.clusterCIDRs.map(\.description) == ["10.42.0.0/16"])
        #expect(config.clusterDNS == [IPAddress("10.43.0.10")!])
        #expect(config.serviceIPRange.apiServerServiceIP == IPAddress("10.43.0.1"))
        #expect(config.clusterDomain == "cluster.local")
        #expect(!config.disableAgent && !config.disableScheduler && !config.disableControllerManager && !config.debug)
        #expect(config.nodeName == "testhost")
        #expect(config.tlsDirectory == "/var/lib/rancher/k3s/server/tls")
        #expect(config.nodeTokenPath == "/var/lib/rancher/k3s/server/node-token")
    }

    @Test func readsEveryFlag() throws {
        let tmp = try TemporaryDirectory()
        let config = try ServerConfiguration(
            options: options([
                "data-dir": tmp.path + "/", "https-listen-port": "7443", "bind-address": "127.0.0.1",
                "advertise-address": "10.1.2.3", "write-kubeconfig": tmp.file("kc.yaml"),
                "write-kubeconfig-mode": "644", "token": "s3cret", "token-auth-file": "/etc/tokens.csv",
                "datastore-endpoint": "memory://", "service-cidr": "10.96.0.0/12", "cluster-cidr": "10.244.0.0/16",
                "service-node-port-range": "31000-31999",
                "cluster-domain": "example.internal", "disable-agent": "true", "disable-scheduler": "true",
                "disable-controller-manager": "true", "node-name": "n1", "debug": "true", "disable-network-policy": "true",
            ], list: ["tls-san": ["a.example.com,10.9.9.9", "b.example.com", "a.example.com"], "disable": ["traefik,servicelb", "coredns"]]),
            host: testHost
        )
        #expect(config.dataDir == tmp.path + "/")
        #expect(config.serverDirectory == tmp.path + "/server")
        #expect(config.httpsListenPort == 7443)
        #expect(config.bindAddress == IPAddress("127.0.0.1"))
        #expect(config.advertiseAddress == IPAddress("10.1.2.3"))
        #expect(config.tlsSANs == ["a.example.com", "10.9.9.9", "b.example.com"])
        #expect(config.writeKubeconfigMode == 0o644)
        #expect(config.token == "s3cret")
        #expect(config.tokenAuthFile == "/etc/tokens.csv")
        #expect(config.datastore == .memory)
        #expect(config.clusterDNS == [IPAddress("10.96.0.10")!])
        #expect(config.serviceIPRange.apiServerServiceIP == IPAddress("10.96.0.1"))
        #expect(config.clusterDomain == "example.internal")
        #expect(config.disableAgent && config.disableScheduler && config.disableControllerManager && config.debug)
        #expect(config.nodeName == "n1")
        #expect(config.serviceNodePortRange == 31000...31999)
        #expect(config.disabledComponents == ["traefik", "servicelb", "coredns", "network-policy"])
    }

    @Test func dualStackNetworks() throws {
        let config = try ServerConfiguration(
            options: options(["service-cidr": "10.43.7.9/16, fd00:43::/112", "cluster-cidr": "10.42.0.0/16,fd00:42::/56"]),
            host: testHost
        )
        #expect(config.serviceCIDRs.map(\.description) == ["10.43.0.0/16", "fd00:43::/112"])
        #expect(config.clusterDNS == [IPAddress("10.43.0.10")!, IPAddress("fd00:43::a")!])
        #expect(config.clusterCIDRs.count == 2)
    }

    @Test func tokenFileIsRead() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("token", "  from-file\n")
        let config = try ServerConfiguration(options: options(["token-file": tmp.file("token")]), host: testHost)
        #expect(config.token == "from-file")
        let both = try ServerConfiguration(options: options(["token-file": tmp.file("token"), "token": "direct"]), host: testHost)
        #expect(both.token == "direct")
    }

    @Test(arguments: [
        (["service-cidr": "10.43.0.0"], "service-cidr", "ADDRESS/LENGTH"),
        (["service-cidr": "010.43.0.0/16"], "service-cidr", "leading zero"),
        (["cluster-cidr": "10.42.0.0/16,fd00:42::/56,10.44.0.0/16"], "cluster-cidr", "dual stack"),
        (["service-cidr": "10.43.0.0/30"], "service-cidr", "too small"),
        (["service-cidr": "10.43.0.0/16,10.44.0.0/16"], "service-cidr", "dual stack"),
        (["cluster-cidr": "10.42.0.0/99"], "cluster-cidr", "0 to 32"),
        (["cluster-cidr": "10.43.0.0/8"], "service-cidr", "overlaps"),
        (["cluster-dns": "10.43.0.300"], "cluster-dns", "not an IPv4 or IPv6 address"),
        (["cluster-dns": "10.50.0.10"], "cluster-dns", "outside the service network"),
        (["bind-address": "0.0.0"], "bind-address", "not an IPv4"),
        (["advertise-address": "host.example"], "advertise-address", "not an IPv4"),
        (["https-listen-port": "-1"], "https-listen-port", "0 (any free port) to 65535"),
        (["https-listen-port": "65536"], "https-listen-port", "0 (any free port) to 65535"),
        (["https-listen-port": "http"], "https-listen-port", "0 (any free port) to 65535"),
        (["write-kubeconfig-mode": "0844"], "write-kubeconfig-mode", "octal"),
        (["write-kubeconfig-mode": "1777"], "write-kubeconfig-mode", "octal"),
        (["write-kubeconfig-mode": "rw-r--r--"], "write-kubeconfig-mode", "octal"),
        (["datastore-endpoint": "postgres://db/k3s"], "datastore-endpoint", "not supported"),
        (["cluster-domain": "Bad_Domain"], "cluster-domain", "DNS domain"),
        (["service-node-port-range": "30000"], "service-node-port-range", "port range"),
        (["service-node-port-range": "32767-30000"], "service-node-port-range", "port range"),
        (["service-node-port-range": "0-100"], "service-node-port-range", "port range"),
        (["service-node-port-range": "30000-70000"], "service-node-port-range", "port range"),
        (["node-name": "Node One"], "node-name", "DNS subdomain"),
        (["token": "has space"], "token", "whitespace"),
        (["token-file": "/nonexistent/k3s-token"], "token-file", "no such file"),
    ] as [([String: String], String, String)])
    func refusesBadValuesNamingTheFlag(values: [String: String], flag: String, reason: String) {
        do {
            _ = try ServerConfiguration(options: options(values), host: testHost)
            Issue.record("expected \(values) to be refused")
        } catch {
            #expect(error.flag == flag, "\(error)")
            #expect(error.description.hasPrefix("invalid --\(flag) "))
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    @Test func refusesBadTLSSAN() {
        #expect(throws: ServerConfigurationError.self) {
            try ServerConfiguration(options: options([:], list: ["tls-san": ["bad name!"]]), host: testHost)
        }
    }
}

@Suite struct ServerConfigurationLoadingTests {
    @Test func commandLineOverridesFileAndListsAccumulate() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("config.yaml", """
        https-listen-port: 7443
        node-name: from-file
        debug: true
        tls-san:
          - file.example.com
        write-kubeconfig-mode: "0644"
        some-agent-flag: x
        """)
        var commandLine = ServerOptions()
        commandLine.set("config", tmp.file("config.yaml"))
        commandLine.set("node-name", "from-cli")
        commandLine.append("tls-san", ["cli.example.com"])
        var warnings: [String] = []
        let config = try ServerConfiguration.load(
            commandLine: commandLine, environment: ["K3S_NODE_NAME": "from-env", "K3S_TOKEN": "env-token"],
            host: testHost, warn: { warnings.append($0) }
        )
        #expect(config.httpsListenPort == 7443)
        #expect(config.nodeName == "from-cli")
        #expect(config.debug)
        #expect(config.tlsSANs == ["file.example.com", "cli.example.com"])
        #expect(config.writeKubeconfigMode == 0o644)
        #expect(config.token == "env-token")
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("some-agent-flag") == true)
        #expect(warnings.first?.contains("config.yaml:7") == true)
    }

    @Test func fileBeatsEnvironment() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("c.yaml", "token: file-token\n")
        let config = try ServerConfiguration.load(
            commandLine: ServerOptions(), environment: ["K3S_CONFIG_FILE": tmp.file("c.yaml"), "K3S_TOKEN": "env-token"],
            host: testHost, warn: { _ in }
        )
        #expect(config.token == "file-token")
    }

    @Test func dropInsReplaceOrAppend() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("config.yaml", "tls-san: [a.example.com]\nnode-name: main\ncluster-domain: one.local\n")
        try tmp.write("config.yaml.d/10-more.yaml", "tls-san+: [b.example.com]\nnode-name: dropin\n")
        try tmp.write("config.yaml.d/20-last.yml", "cluster-domain: two.local\n")
        try tmp.write("config.yaml.d/30-ignored.txt", "node-name: ignored\n")
        var commandLine = ServerOptions()
        commandLine.set("config", tmp.file("config.yaml"))
        let config = try ServerConfiguration.load(commandLine: commandLine, environment: [:], host: testHost, warn: { _ in })
        #expect(config.tlsSANs == ["a.example.com", "b.example.com"])
        #expect(config.nodeName == "dropin")
        #expect(config.clusterDomain == "two.local")
    }

    @Test func missingExplicitConfigIsAnError() {
        var commandLine = ServerOptions()
        commandLine.set("config", "/nonexistent/k3s/config.yaml")
        #expect(throws: ServerConfiguration.LoadError.self) {
            try ServerConfiguration.load(commandLine: commandLine, environment: [:], host: testHost, warn: { _ in })
        }
    }

    @Test func fileErrorsCarryFileAndLine() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("config.yaml", "debug: maybe\n")
        var commandLine = ServerOptions()
        commandLine.set("config", tmp.file("config.yaml"))
        do {
            _ = try ServerConfiguration.load(commandLine: commandLine, environment: [:], host: testHost, warn: { _ in })
            Issue.record("expected an error")
        } catch {
            guard case .configFile(let fileError) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(fileError.line == 1)
            #expect(fileError.reason.contains("true or false"))
        }
    }

    @Test func listForScalarIsRefused() throws {
        let entries = try ConfigFileParser(file: "c.yaml").parse("node-name: [a, b]\n")
        #expect(throws: ConfigFileError.self) { try ServerOptions.fromConfigFiles(entries, warn: { _ in }) }
    }

    @Test func shortKeysInFile() throws {
        let entries = try ConfigFileParser(file: "c.yaml").parse("o: /tmp/kc.yaml\nt: tok\n")
        let options = try ServerOptions.fromConfigFiles(entries, warn: { _ in })
        #expect(options.string("write-kubeconfig") == "/tmp/kc.yaml")
        #expect(options.string("token") == "tok")
    }

    @Test func invalidValueFromFileNamesTheFlag() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("config.yaml", "service-cidr: 10.43.0.0/40\n")
        var commandLine = ServerOptions()
        commandLine.set("config", tmp.file("config.yaml"))
        #expect(throws: ServerConfiguration.LoadError.invalid(ServerConfigurationError(
            flag: "service-cidr", value: "10.43.0.0/40",
            reason: "invalid CIDR \"10.43.0.0/40\": the prefix length must be a number from 0 to 32"
        ))) {
            try ServerConfiguration.load(commandLine: commandLine, environment: [:], host: testHost, warn: { _ in })
        }
    }
}

/// `k3s agent` reads the same config files and environment as `k3s server`.
@Suite("Agent settings")
struct AgentSettingsTests {
    @Test("server and token come from the config file, the environment fills what is unset, the command line wins")
    func agentReadsTheConfigFile() throws {
        let directory = try TemporaryDirectory()
        try directory.write("config.yaml", "server: https://10.0.0.1:6443\ntoken: from-file\nwrite-kubeconfig-mode: \"0644\"\n")
        try directory.write("config.yaml.d/10-node.yaml", "node-name: worker-1\n")
        var commandLine = ServerOptions()
        commandLine.set("token", "from-flag")
        let options = try ServerOptions.load(
            commandLine: commandLine, environment: ["K3S_URL": "https://ignored:6443", "K3S_TOKEN_FILE": "/etc/token"],
            defaultConfigFile: directory.file("config.yaml"), warn: { Issue.record("unexpected warning: \($0)") })
        #expect(options.string("server") == "https://10.0.0.1:6443")
        #expect(options.string("token") == "from-flag")
        #expect(options.string("node-name") == "worker-1")
        #expect(options.string("token-file") == "/etc/token")
    }

    @Test("K3S_URL sets the server when no file does; a missing explicit file is an error")
    func environmentAndMissingFile() throws {
        let directory = try TemporaryDirectory()
        let options = try ServerOptions.load(
            commandLine: ServerOptions(), environment: ["K3S_URL": "https://10.0.0.2:6443"],
            defaultConfigFile: directory.file("absent.yaml"), warn: { _ in })
        #expect(options.string("server") == "https://10.0.0.2:6443")
        var commandLine = ServerOptions()
        commandLine.set("config", directory.file("absent.yaml"))
        #expect(throws: ConfigFileError.self) {
            try ServerOptions.load(commandLine: commandLine, environment: [:], defaultConfigFile: "/nonexistent", warn: { _ in })
        }
    }
}
