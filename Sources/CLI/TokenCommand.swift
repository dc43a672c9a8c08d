import ArgumentParser
import Cluster

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `k3s token`: manage bootstrap tokens (join tokens that expire) through the API server.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and delete bootstrap tokens for joining nodes.",
        subcommands: [Create.self, List.self, Delete.self]
    )

    /// Where the admin kubeconfig is.
    struct Connection: ParsableArguments {
        @Option(name: .customLong("kubeconfig"), help: "Admin kubeconfig (default /etc/rancher/k3s/k3s.yaml; env KUBECONFIG).")
        var kubeconfig: String?

        func manager() throws -> BootstrapTokenManager {
            let environment = getenv("KUBECONFIG").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
            let path = kubeconfig ?? environment ?? ServerConfiguration.defaultKubeconfigPath
            do {
                return try BootstrapTokenManager(kubeconfig: path)
            } catch {
                throw CommandFailure(error.description)
            }
        }
    }

    /// `k3s token create`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a bootstrap token and print it in K10 form.")

        @OptionGroup var connection: Connection

        @Option(name: .customLong("ttl"), help: "How long the token is valid (24h, 90m; 0 means forever).")
        var ttl = "24h"

        @Option(name: .customLong("description"), help: "A description of the token.")
        var description = ""

        @Option(name: .customLong("groups"), help: "Extra groups (comma-separated or repeated), each starting with system:bootstrappers:.")
        var groups: [String] = []

        func run() async throws {
            let seconds: Int64
            do {
                seconds = try BootstrapTokenManager.ttlSeconds(ttl)
            } catch {
                throw ValidationError(error.description)
            }
            let extra = groups.flatMap { $0.split(separator: ",").map(String.init) }
            let manager = try connection.manager()
            do {
                let info = try await manager.create(
                    ttlSeconds: seconds, description: description,
                    extraGroups: extra.isEmpty ? BootstrapTokenManager.defaultGroups : extra)
                print(manager.joinForm(of: info.token))
            } catch {
                throw CommandFailure("cannot create the token: \(error)")
            }
        }
    }

    /// `k3s token list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List bootstrap tokens.")

        @OptionGroup var connection: Connection

        func run() async throws {
            do {
                print(BootstrapTokenManager.table(try await connection.manager().list()), terminator: "")
            } catch let error as CommandFailure {
                throw error
            } catch {
                throw CommandFailure("cannot list tokens: \(error)")
            }
        }
    }

    /// `k3s token delete`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete bootstrap tokens by id or full token.")

        @OptionGroup var connection: Connection

        @Argument(help: "Token ids or tokens.")
        var tokens: [String]

        func run() async throws {
            let manager = try connection.manager()
            for token in tokens {
                do {
                    print("bootstrap token \(try await manager.delete(token)) deleted")
                } catch {
                    throw CommandFailure("\(error)")
                }
            }
        }
    }
}

/// A failure reported as `Error: <message>` with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
