import Crypto
import Logging
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The cluster's certificates and keys, kept under `DATA_DIR/server/tls/` with K3s's file
/// names:
///
/// - `server-ca.crt/.key`: the CA that signs serving certificates (clients trust it);
/// - `client-ca.crt/.key`: the CA that signs client certificates (the API server trusts it);
/// - `serving-kube-apiserver.crt/.key`: the API server's certificate (chain: leaf, server CA);
/// - `client-admin.crt/.key`: the admin's client certificate (CN=system:admin,
///   O=system:masters);
/// - `service.key` / `service.pub`: the service-account token signing key pair.
///
/// Keys are ECDSA P-256, written with mode 0600. CAs are valid for ten years, leaf
/// certificates for one. On every start ``loadOrCreate(directory:serving:now:logger:)``
/// reuses what is there and re-issues only what needs it: a missing or unreadable file, a leaf
/// not signed by the current CA, a leaf expiring within 90 days, or a serving certificate
/// whose names differ from the wanted ones. Re-issued leaves keep their key.
public struct ClusterPKI: Sendable {
    /// The folder holding the files.
    public let directory: String
    /// The CA that signs serving certificates.
    public let serverCA: CertifiedKey
    /// The CA that signs client certificates.
    public let clientCA: CertifiedKey
    /// The API server's serving certificate and key.
    public let serving: CertifiedKey
    /// The admin's client certificate and key.
    public let admin: CertifiedKey
    /// The key that signs service-account tokens (ES256).
    public var serviceAccountKey: P256.Signing.PrivateKey {
        // The bytes came from a valid key, so decoding cannot fail.
        try! P256.Signing.PrivateKey(rawRepresentation: serviceAccountKeyBytes)
    }
    private let serviceAccountKeyBytes: [UInt8]
    /// The base names of files created or re-issued by this start (`server-ca`,
    /// `serving-kube-apiserver`, `service`, ...); empty when everything was reused.
    public let issued: Set<String>

    /// How long a CA is valid.
    public static let caValidity: TimeInterval = 10 * 365 * 86_400
    /// How long a leaf certificate is valid.
    public static let leafValidity: TimeInterval = 365 * 86_400
    /// Leaf certificates expiring sooner than this are renewed on start.
    public static let renewalWindow: TimeInterval = 90 * 86_400

    /// The server CA certificate as PEM: what clients (kubeconfig, agents) trust.
    public var serverCAPEM: String { serverCA.certificatePEM }
    /// The client CA certificate as PEM: what the API server verifies client certificates
    /// against.
    public var clientCAPEM: String { clientCA.certificatePEM }
    /// The serving certificate followed by the server CA, as PEM: the chain the API server
    /// presents.
    public var servingCertificateChainPEM: String { serving.certificatePEM + serverCA.certificatePEM }
    /// The serving certificate's private key as PEM.
    public var servingKeyPEM: String { serving.privateKeyPEM }
    /// The service-account signing key as PEM.
    public var serviceAccountKeyPEM: String { serviceAccountKey.pemRepresentation + "\n" }
    /// The service-account public key as PEM (what verifiers of tokens need).
    public var serviceAccountPublicKeyPEM: String { serviceAccountKey.publicKey.pemRepresentation + "\n" }

    /// The path of a file in the TLS folder.
    public func path(_ name: String) -> String { directory + "/" + name }

    /// Loads the PKI from `directory`, creating or re-issuing what is missing, stale or
    /// mismatched (see the type's documentation). `now` is the current time (pass it in tests
    /// to simulate the passing of time).
    public static func loadOrCreate(
        directory: String,
        serving identity: ServingIdentity,
        now: Date = Date(),
        logger: Logger
    ) throws(PKIError) -> ClusterPKI {
        var store = Store(directory: directory.trimmingTrailingSlash(), now: now, logger: logger)
        do {
            try FileSystem.makeDirectories(store.directory, mode: 0o700)
        } catch {
            throw PKIError(file: directory, reason: error.description)
        }
        let serverCA = try store.certificateAuthority(name: "server-ca", commonName: "k3s-server-ca@\(Int(now.timeIntervalSince1970))")
        let clientCA = try store.certificateAuthority(name: "client-ca", commonName: "k3s-client-ca@\(Int(now.timeIntervalSince1970))")
        let serving = try store.leaf(
            name: "serving-kube-apiserver",
            subject: .init(commonName: "kube-apiserver", organizations: []),
            usage: .serverAuth,
            identity: identity,
            issuer: serverCA
        )
        let admin = try store.leaf(
            name: "client-admin",
            subject: .init(commonName: "system:admin", organizations: ["system:masters"]),
            usage: .clientAuth,
            identity: nil,
            issuer: clientCA
        )
        let serviceAccountKey = try store.serviceAccountKey()
        return ClusterPKI(
            directory: store.directory, serverCA: serverCA, clientCA: clientCA, serving: serving,
            admin: admin, serviceAccountKeyBytes: Array(serviceAccountKey.rawRepresentation), issued: store.issued
        )
    }

    /// Issues a client certificate signed by the client CA (for components and nodes that
    /// authenticate as `commonName` in `organizations`). Not written to disk.
    public func issueClientCertificate(
        commonName: String,
        organizations: [String],
        now: Date = Date()
    ) throws(PKIError) -> CertifiedKey {
        do {
            let key = P256.Signing.PrivateKey()
            let certificate = try CertificateFactory.leaf(
                subject: .init(commonName: commonName, organizations: organizations),
                publicKey: key.publicKey, usage: .clientAuth, identity: nil, issuer: clientCA, now: now
            )
            return try CertifiedKey(certificate: certificate, privateKey: key)
        } catch {
            throw PKIError(file: commonName, reason: "cannot issue a client certificate: \(error)")
        }
    }
}

extension ClusterPKI {
    /// Loads and writes the files, remembering what it issued.
    struct Store {
        let directory: String
        let now: Date
        let logger: Logger
        var issued: Set<String> = []

        init(directory: String, now: Date, logger: Logger) {
            self.directory = directory
            self.now = now
            self.logger = logger
        }

        func path(_ name: String) -> String { directory + "/" + name }

        func readPair(_ name: String) throws(PKIError) -> (certificate: String, key: String)? {
            do {
                guard let certificate = try FileSystem.readTextFile(path(name + ".crt")),
                      let key = try FileSystem.readTextFile(path(name + ".key"))
                else { return nil }
                return (certificate, key)
            } catch {
                throw PKIError(file: error.path, reason: error.description)
            }
        }

        mutating func write(_ pair: CertifiedKey, name: String) throws(PKIError) {
            do {
                // Key first: a crash between the two leaves a key without certificate, which
                // the next start repairs by re-issuing for that key.
                try FileSystem.writeFile(pair.privateKeyPEM, to: path(name + ".key"), mode: 0o600)
                try FileSystem.writeFile(pair.certificatePEM, to: path(name + ".crt"), mode: 0o644)
            } catch {
                throw PKIError(file: error.path, reason: error.description)
            }
            issued.insert(name)
        }

        /// The existing private key of a pair, if its file parses, so that re-issued
        /// certificates keep their key.
        func existingKey(_ name: String) -> P256.Signing.PrivateKey? {
            guard let text = try? FileSystem.readTextFile(path(name + ".key")) else { return nil }
            return try? P256.Signing.PrivateKey(pemRepresentation: text)
        }

        mutating func certificateAuthority(name: String, commonName: String) throws(PKIError) -> CertifiedKey {
            if let files = try readPair(name) {
                if let pair = CertifiedKey(certificatePEM: files.certificate, privateKeyPEM: files.key),
                   pair.certificate.notValidAfter > now {
                    return pair
                }
                logger.warning("certificate authority unreadable or expired; creating a new one", metadata: ["file": "\(path(name + ".crt"))"])
            }
            do {
                let key = P256.Signing.PrivateKey()
                let certificate = try CertificateFactory.authority(commonName: commonName, key: key, now: now)
                let pair = try CertifiedKey(certificate: certificate, privateKey: key)
                try write(pair, name: name)
                logger.info("created certificate authority", metadata: ["file": "\(path(name + ".crt"))"])
                return pair
            } catch let error as PKIError {
                throw error
            } catch {
                throw PKIError(file: path(name + ".crt"), reason: "cannot create the CA: \(error)")
            }
        }

        mutating func leaf(
            name: String,
            subject: CertificateFactory.Subject,
            usage: CertificateFactory.Usage,
            identity: ServingIdentity?,
            issuer: CertifiedKey
        ) throws(PKIError) -> CertifiedKey {
            if let files = try readPair(name),
               let pair = CertifiedKey(certificatePEM: files.certificate, privateKeyPEM: files.key) {
                let reason = staleness(of: pair.certificate, subject: subject, identity: identity, issuer: issuer)
                guard let reason else { return pair }
                logger.info("re-issuing certificate", metadata: ["file": "\(path(name + ".crt"))", "reason": "\(reason)"])
            }
            do {
                let key = existingKey(name) ?? P256.Signing.PrivateKey()
                let certificate = try CertificateFactory.leaf(
                    subject: subject, publicKey: key.publicKey, usage: usage, identity: identity, issuer: issuer, now: now
                )
                let pair = try CertifiedKey(certificate: certificate, privateKey: key)
                try write(pair, name: name)
                return pair
            } catch let error as PKIError {
                throw error
            } catch {
                throw PKIError(file: path(name + ".crt"), reason: "cannot issue the certificate: \(error)")
            }
        }

        /// Why an existing leaf must be re-issued, or `nil` if it can stay.
        func staleness(
            of certificate: Certificate,
            subject: CertificateFactory.Subject,
            identity: ServingIdentity?,
            issuer: CertifiedKey
        ) -> String? {
            guard issuer.certificate.publicKey.isValidSignature(certificate.signature, for: certificate),
                  certificate.issuer == issuer.certificate.subject
            else { return "not signed by the current CA" }
            if certificate.notValidAfter.timeIntervalSince(now) < ClusterPKI.renewalWindow {
                return "expires within 90 days"
            }
            if (try? subject.distinguishedName()) != certificate.subject {
                return "subject changed"
            }
            if let identity {
                let names = CertificateFactory.subjectAlternativeNames(of: certificate)
                if !identity.matches(dnsNames: names.dnsNames, ipAddresses: names.ipAddresses) {
                    return "subject alternative names changed"
                }
            }
            return nil
        }

        mutating func serviceAccountKey() throws(PKIError) -> P256.Signing.PrivateKey {
            let keyPath = path("service.key")
            let publicPath = path("service.pub")
            let existing: String?
            do {
                existing = try FileSystem.readTextFile(keyPath)
            } catch {
                throw PKIError(file: keyPath, reason: error.description)
            }
            let key: P256.Signing.PrivateKey
            if let existing {
                do {
                    key = try P256.Signing.PrivateKey(pemRepresentation: existing)
                } catch {
                    // Refuse rather than replace: a new key would invalidate every token issued.
                    throw PKIError(file: keyPath, reason: "not a PEM ECDSA P-256 private key; move it away to generate a new one")
                }
            } else {
                key = P256.Signing.PrivateKey()
                do {
                    try FileSystem.writeFile(key.pemRepresentation + "\n", to: keyPath, mode: 0o600)
                } catch {
                    throw PKIError(file: keyPath, reason: error.description)
                }
                issued.insert("service")
            }
            do {
                let publicPEM = key.publicKey.pemRepresentation + "\n"
                if (try FileSystem.readTextFile(publicPath)) != publicPEM {
                    try FileSystem.writeFile(publicPEM, to: publicPath, mode: 0o644)
                }
            } catch {
                throw PKIError(file: publicPath, reason: error.description)
            }
            return key
        }
    }
}
