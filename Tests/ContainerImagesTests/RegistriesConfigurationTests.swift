import Foundation
import Testing

@testable import ContainerImages

@Suite("RegistriesConfiguration")
struct RegistriesConfigurationTests {
    static let sample = """
        # K3s registries file
        mirrors:
          docker.io:
            endpoint:
              - "https://mirror.example.com:5000"
              - mirror2.example.com
            rewrite:
              "^rancher/(.*)": "mirrorproject/rancher-images/$1"
          registry.example.test:
            endpoint: ["http://127.0.0.1:5001/some/path"]
          "*":
            endpoint:
              - https://catchall.example.com
        configs:
          mirror.example.com:5000:
            auth:
              username: user
              password: "p\\"ss"
            tls:
              cert_file: /etc/ssl/client.pem
              key_file: /etc/ssl/client-key.pem
              ca_file: /etc/ssl/ca.pem
          registry.internal:
            tls:
              insecure_skip_verify: true
          token.example.com:
            auth:
              identitytoken: abc
              auth: dXNlcjpwYXNz
        """

    @Test("mirrors, rewrites, auth and TLS are read")
    func parses() throws {
        let configuration = try RegistriesConfiguration.parse(Self.sample, file: "registries.yaml")
        #expect(Array(configuration.mirrors.keys) == ["docker.io", "registry.example.test", "*"])
        let docker = try #require(configuration.mirrors["docker.io"])
        #expect(docker.endpoints == ["https://mirror.example.com:5000", "https://mirror2.example.com"])
        #expect(docker.rewrites == [.init(pattern: "^rancher/(.*)", replacement: "mirrorproject/rancher-images/$1")])
        #expect(docker.line == 3)
        let mirrorConfig = try #require(configuration.configs["mirror.example.com:5000"])
        #expect(mirrorConfig.auth == .init(username: "user", password: "p\"ss"))
        #expect(mirrorConfig.tls == .init(certFile: "/etc/ssl/client.pem", keyFile: "/etc/ssl/client-key.pem", caFile: "/etc/ssl/ca.pem"))
        #expect(configuration.configs["registry.internal"]?.tls?.insecureSkipVerify == true)
        #expect(configuration.configs["token.example.com"]?.auth == .init(auth: "dXNlcjpwYXNz", identityToken: "abc"))
    }

    @Test("hosts.toml files: mirrors in order, TLS on the right hosts, the wildcard in _default")
    func renders() throws {
        let rendered = ContainerdHostsDirectory.render(try RegistriesConfiguration.parse(Self.sample))
        // Hosts with TLS settings get a file of their own too, for images named after them.
        #expect(Set(rendered.files.keys) == ["docker.io", "registry.example.test", "_default", "registry.internal", "mirror.example.com:5000"])
        #expect(rendered.files["mirror.example.com:5000"] == """
            server = "https://mirror.example.com:5000"
            ca = "/etc/ssl/ca.pem"
            client = [["/etc/ssl/client.pem", "/etc/ssl/client-key.pem"]]

            """)
        #expect(rendered.files["docker.io"] == """
            server = "https://registry-1.docker.io"

            [host."https://mirror.example.com:5000"]
              capabilities = ["pull", "resolve"]
              ca = "/etc/ssl/ca.pem"
              client = [["/etc/ssl/client.pem", "/etc/ssl/client-key.pem"]]

            [host."https://mirror2.example.com"]
              capabilities = ["pull", "resolve"]

            """)
        #expect(rendered.files["registry.example.test"] == """
            server = "https://registry.example.test"

            [host."http://127.0.0.1:5001/some/path"]
              capabilities = ["pull", "resolve"]

            """)
        #expect(rendered.files["_default"] == """

            [host."https://catchall.example.com"]
              capabilities = ["pull", "resolve"]

            """)
        #expect(rendered.files["registry.internal"] == "server = \"https://registry.internal\"\nskip_verify = true\n")
        #expect(rendered.credentials.keys.sorted() == ["mirror.example.com:5000", "token.example.com"])
        #expect(rendered.warnings.count == 1)
        #expect(rendered.warnings.first?.contains("docker.io") == true)
    }

    @Test("credentials become CRI registry auth tables, quoted")
    func criAuth() throws {
        let rendered = ContainerdHostsDirectory.render(try RegistriesConfiguration.parse(Self.sample))
        #expect(ContainerdHostsDirectory.criRegistryAuthTOML(rendered.credentials) == """

            [plugins."io.containerd.grpc.v1.cri".registry.configs."mirror.example.com:5000".auth]
              username = "user"
              password = "p\\"ss"

            [plugins."io.containerd.grpc.v1.cri".registry.configs."token.example.com".auth]
              auth = "dXNlcjpwYXNz"
              identitytoken = "abc"

            """)
        #expect(ContainerdHostsDirectory.criRegistryAuthTOML([:]).isEmpty)
    }

    @Test("TOML strings escape quotes, backslashes and control characters")
    func tomlQuoting() {
        #expect(ContainerdHostsDirectory.quoted("a\"b\\c\nd\u{01}\u{7F}é") == #""a\"b\\c\nd\u0001\u007Fé""#)
    }

    @Test("an empty or missing file is an empty configuration")
    func empty() throws {
        #expect(try RegistriesConfiguration.parse("").isEmpty)
        #expect(try RegistriesConfiguration.parse("# nothing\n").isEmpty)
        #expect(try RegistriesConfiguration.parse("mirrors:\nconfigs:\n").isEmpty)
        #expect(try RegistriesConfiguration.load(path: "/nonexistent/registries.yaml").isEmpty)
    }

    @Test("bad files are refused with the line", arguments: [
        ("mirrors:\n  docker.io:\n    endpoint: [\"a\"\n", 3),
        ("mirrors:\n  docker.io:\n    endpoints:\n      - https://x\n", 3),
        ("mirrors:\n  docker.io:\n    endpoint:\n      - ftp://x\n", 4),
        ("configs:\n  x:\n    tls:\n      insecure_skip_verify: maybe\n", 4),
        ("configs:\n  x:\n    tls:\n      cert_file: /a\n", 3),
        ("configs:\n  x:\n    auth:\n      user: a\n", 4),
        ("mirror:\n  docker.io: {}\n", 1),
        ("- a\n", 1),
    ])
    func badFiles(text: String, line: Int) {
        #expect {
            try RegistriesConfiguration.parse(text, file: "r.yaml")
        } throws: { error in
            guard let error = error as? RegistriesConfigurationError else { return false }
            return error.line == line && error.file == "r.yaml" && error.description.hasPrefix("r.yaml: line \(line): ")
        }
    }

    @Test("writing replaces the directory's previous contents")
    func writes() throws {
        let directory = try TemporaryDirectory()
        let certs = directory.path + "/certs.d"
        try FileManager.default.createDirectory(atPath: certs + "/stale.example", withIntermediateDirectories: true)
        try ContainerdHostsDirectory.write(try RegistriesConfiguration.parse(Self.sample), to: certs)
        #expect(!FileManager.default.fileExists(atPath: certs + "/stale.example"))
        let docker = try String(contentsOfFile: certs + "/docker.io/hosts.toml", encoding: .utf8)
        #expect(docker.hasPrefix("server = \"https://registry-1.docker.io\""))
        #expect(FileManager.default.fileExists(atPath: certs + "/_default/hosts.toml"))
    }
}
