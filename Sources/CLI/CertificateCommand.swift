import ArgumentParser
import Cluster
import Logging

/// `k3s certificate`: inspect and rotate the node's certificates, as K3s's command does.
struct CertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate",
        abstract: "Check and rotate the cluster's certificates.",
        subcommands: [Check.self, Rotate.self]
    )

    /// The options both subcommands take.
    struct Options: ParsableArguments {
        @Option(name: [.customShort("d"), .customLong("data-dir")], help: "Folder holding state (default /var/lib/rancher/k3s).")
        var dataDir: String = ServerConfiguration.defaultDataDir

        @Option(
            name: [.customShort("s"), .customLong("service")],
            help: "Only these services (repeatable or comma-separated): \(CertificateServices.names.joined(separator: ", ")).")
        var service: [String] = []

        @OptionGroup var logging: LogOptions

        /// The named services, comma-separated values split; an unknown name is refused.
        func services() throws -> [String] {
            let names = service.flatMap { $0.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) } }.filter { !$0.isEmpty }
            do {
                try CertificateServices.validate(names)
            } catch {
                throw ValidationError("service \(error.file) is not recognized: valid names are \(CertificateServices.names.joined(separator: ", "))")
            }
            return names
        }
    }

    /// `k3s certificate check [--output text|table]`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every certificate under the data directory with its expiry and status."
        )

        @OptionGroup var options: Options

        @Option(name: [.customShort("o"), .customLong("output")], help: "Output format: text or table.")
        var output: String = "text"

        func run() async throws {
            guard output == "text" || output == "table" else {
                throw ValidationError("invalid output format \(output): text or table")
            }
            let services = try options.services()
            _ = try options.logging.makeLogger(label: "k3s.certificate")
            let report = CertificateReport.collect(files: CertificateReport.files(dataDir: options.dataDir, services: services))
            if report.entries.isEmpty {
                print("no certificates found under \(options.dataDir)")
                return
            }
            if output == "table" {
                print(report.table(), terminator: "")
            } else {
                for line in report.textLines() { print(line) }
            }
        }
    }

    /// `k3s certificate rotate [--service NAME ...]`.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back up, then remove leaf certificates so the next start issues new ones.",
            discussion: "Restart k3s server (then the agents) afterwards. CA certificates are not rotated."
        )

        @OptionGroup var options: Options

        func run() async throws {
            let services = try options.services()
            let logger = try options.logging.makeLogger(label: "k3s.certificate")
            let rotation = CertificateRotation(dataDir: options.dataDir)
            let result: CertificateRotation.Result
            do {
                result = try rotation.rotate(services: services, logger: logger)
            } catch {
                logger.error("rotation failed: \(error)")
                throw ExitCode.failure
            }
            for (service, note) in result.notes.sorted(by: { $0.key < $1.key }) {
                logger.info("nothing to rotate for \(service): \(note)")
            }
            for file in result.removed { logger.info("removed \(file)") }
            logger.notice(
                "certificates backed up to \(result.backupDirectory); restart k3s \(rotation.isServer ? "server" : "agent") to issue new ones")
        }
    }
}
