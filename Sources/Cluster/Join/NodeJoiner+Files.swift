import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension NodeJoiner {
    /// Joins with the private key stored in `files` (a new one when there is none), then writes
    /// the certificates the server issued there. Logs why the stored certificate had to be
    /// renewed (near expiry, or signed by a CA the server no longer uses) when it did.
    ///
    /// - Throws: ``NodeJoinFailure``, or `FileSystemError` when the files cannot be written.
    public func join(storingIn files: NodeCertificateFiles, now: Date = Date()) async throws -> NodeCredentials {
        var joiner = self
        joiner.existingKeyPEM = files.existingKeyPEM()
        let credentials = try await joiner.join()
        if let reason = files.renewalReason(clientCAPEM: credentials.clientCAPEM, now: now) {
            logger.notice("renewed the node's certificates", metadata: ["reason": "\(reason)", "dir": "\(files.directory)"])
        }
        try files.write(credentials)
        return credentials
    }
}
