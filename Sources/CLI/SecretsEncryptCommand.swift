import APIServer
import ArgumentParser
import Cluster

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `k3s secrets-encrypt`: inspect and change encryption at rest on a running server, through
/// its `/v1-k3s/encrypt/*` endpoints with the admin credentials (`system:masters`).
struct SecretsEncryptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets-encrypt",
        abstract: "Control secrets encryption at rest: status, enable, disable, key rotation, re-encryption.",
        subcommands: [Status.self, Enable.self, Disable.self, Prepare.self, Rotate.self, Reencrypt.self, RotateKeys.self]
    )

    /// How to reach the server.
    struct Connection: ParsableArguments {
        @Option(name: .customLong("kubeconfig"), help: "Admin kubeconfig (default /etc/rancher/k3s/k3s.yaml; env KUBECONFIG).")
        var kubeconfig: String?

        /// Runs `body` with a client of the server.
        func withClient<T>(_ body: (SecretsEncryptionClient) async throws -> T) async throws -> T {
            let environment = getenv("KUBECONFIG").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            let path = kubeconfig ?? environment ?? ServerConfiguration.defaultKubeconfigPath
            let client: SecretsEncryptionClient
            do {
                client = try SecretsEncryptionClient(kubeconfig: path)
            } catch {
                throw CommandFailure(error.description)
            }
            do {
                let result = try await body(client)
                await client.shutdown()
                return result
            } catch let failure as SecretsEncryptionClient.Failure {
                await client.shutdown()
                throw CommandFailure(failure.description)
            }
        }

        /// Applies a change and prints the server's message.
        func apply(_ request: SecretsEncryptionRequest) async throws {
            print(try await withClient { try await $0.apply(request) })
        }
    }

    /// `k3s secrets-encrypt status`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print whether Secrets are encrypted, the rotation stage and the keys.")

        @OptionGroup var connection: Connection

        @Option(name: [.customShort("o"), .customLong("output")], help: "Output format: text (default) or json.")
        var output = "text"

        func run() async throws {
            if output.lowercased() == "json" {
                print(String(decoding: try await connection.withClient { try await $0.statusJSON() }, as: UTF8.self))
            } else {
                print(try await connection.withClient { try await $0.status() }.text(), terminator: "")
            }
        }
    }

    /// `k3s secrets-encrypt enable`.
    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Encrypt Secrets again (AES-CBC first), then re-encrypt every Secret.")
        @OptionGroup var connection: Connection
        func run() async throws { try await connection.apply(.init(action: .enable(true))) }
    }

    /// `k3s secrets-encrypt disable`.
    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Store Secrets in plaintext (identity first; keys kept for reading), then rewrite every Secret.")
        @OptionGroup var connection: Connection
        func run() async throws { try await connection.apply(.init(action: .enable(false))) }
    }

    /// `k3s secrets-encrypt prepare`.
    struct Prepare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a new key behind the active one (it decrypts but does not encrypt yet).")
        @OptionGroup var connection: Connection
        @Flag(name: [.customShort("f"), .customLong("force")], help: "Skip the stage check.")
        var force = false
        func run() async throws { try await connection.apply(.init(action: .prepare, force: force)) }
    }

    /// `k3s secrets-encrypt rotate`.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the prepared key the active one.")
        @OptionGroup var connection: Connection
        @Flag(name: [.customShort("f"), .customLong("force")], help: "Skip the stage check.")
        var force = false
        func run() async throws { try await connection.apply(.init(action: .rotate, force: force)) }
    }

    /// `k3s secrets-encrypt reencrypt`.
    struct Reencrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rewrite every Secret with the active key, then remove the old key.")
        @OptionGroup var connection: Connection
        @Flag(name: [.customShort("f"), .customLong("force")], help: "Skip the stage check.")
        var force = false
        @Flag(name: [.customShort("s"), .customLong("skip")], help: "Keep the old key.")
        var skip = false
        func run() async throws { try await connection.apply(.init(action: .reencrypt, force: force, skip: skip)) }
    }

    /// `k3s secrets-encrypt rotate-keys`.
    struct RotateKeys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-keys", abstract: "Add a new key, make it active and re-encrypt every Secret, in one step.")
        @OptionGroup var connection: Connection
        func run() async throws { try await connection.apply(.init(action: .rotateKeys)) }
    }
}
