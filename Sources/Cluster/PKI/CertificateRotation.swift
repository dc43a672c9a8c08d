import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `k3s certificate rotate`, as K3s does it: back up the certificate files, then remove the
/// leaf certificates and keys of the chosen services so the next start of `k3s server` /
/// `k3s agent` issues new ones (CAs and the service-account key are never touched).
///
/// The backup is a copy of `DATA_DIR/server/tls` into `DATA_DIR/server/tls-<unix time>` (on an
/// agent-only node, `DATA_DIR/agent/tls-<unix time>`), plus the node's files being rotated.
public struct CertificateRotation: Sendable {
    /// What a rotation did.
    public struct Result: Sendable, Hashable {
        /// The folder holding the copies.
        public var backupDirectory: String
        /// The files removed.
        public var removed: [String]
        /// Services that have no certificate files here, with why.
        public var notes: [String: String]
    }

    /// The data directory.
    public let dataDir: String

    /// Rotation in `dataDir`.
    public init(dataDir: String) {
        self.dataDir = dataDir.trimmingTrailingSlash()
    }

    /// Whether this data directory belongs to a server (it has `server/`).
    public var isServer: Bool { FileSystem.isDirectory(dataDir + "/server") }

    /// The services rotated when none is named: all on a server, the node's on an agent.
    public var defaultServices: [String] { isServer ? CertificateServices.names : CertificateServices.agentNames }

    /// Backs up, then removes the files of `services` (all by default).
    ///
    /// - Throws: ``PKIError`` for an unknown service name or a file that cannot be copied or
    ///   removed (nothing is removed when the backup fails).
    public func rotate(services requested: [String] = [], now: Date = Date(), logger: Logger) throws(PKIError) -> Result {
        try CertificateServices.validate(requested)
        let services = requested.isEmpty ? defaultServices : requested
        var seen = Set<String>()
        var files: [String] = []
        var notes: [String: String] = [:]
        for service in services {
            let bases = CertificateServices.files(of: service)
            if bases.isEmpty, let note = CertificateServices.note(for: service) { notes[service] = note }
            for base in bases {
                for suffix in [".crt", ".key"] where seen.insert(base + suffix).inserted {
                    let path = dataDir + "/" + base + suffix
                    if FileSystem.exists(path) { files.append(path) }
                }
            }
        }
        let stamp = Int(now.timeIntervalSince1970.rounded(.down))
        let tls = dataDir + "/server/tls"
        let backup = FileSystem.isDirectory(tls) ? "\(dataDir)/server/tls-\(stamp)" : "\(dataDir)/agent/tls-\(stamp)"
        var toCopy = FileSystem.isDirectory(tls)
            ? FileSystem.contents(ofDirectory: tls).map { tls + "/" + $0 }.filter { !FileSystem.isDirectory($0) } : []
        toCopy += files.filter { !$0.hasPrefix(tls + "/") }
        do {
            try FileSystem.makeDirectories(backup, mode: 0o700)
            for file in toCopy {
                guard let bytes = try FileSystem.readFile(file) else { continue }
                let mode = try FileSystem.permissions(file)
                try FileSystem.writeFile(bytes, to: backup + "/" + String(file.split(separator: "/").last!), mode: mode)
                logger.debug("backed up", metadata: ["file": "\(file)", "to": "\(backup)"])
            }
        } catch {
            throw PKIError(file: error.path, reason: "backup failed, nothing rotated: \(error.description)")
        }
        for file in files {
            guard unlink(file) == 0 || errno == ENOENT else {
                throw PKIError(file: file, reason: "cannot remove: \(String(cString: strerror(errno)))")
            }
            logger.debug("removed", metadata: ["file": "\(file)"])
        }
        return Result(backupDirectory: backup, removed: files, notes: notes)
    }
}
