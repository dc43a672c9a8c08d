import Crypto
import KubeAPI
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds the cluster's X.509 certificates.
enum CertificateFactory {
    /// The subject of a certificate: a common name and organisations (Kubernetes reads them as
    /// the user name and groups).
    struct Subject: Hashable {
        var commonName: String
        var organizations: [String]

        func distinguishedName() throws -> DistinguishedName {
            try DistinguishedName {
                for organization in organizations { OrganizationName(organization) }
                CommonName(commonName)
            }
        }
    }

    /// What a leaf certificate may be used for.
    enum Usage {
        case serverAuth
        case clientAuth
    }

    /// Small backdating of `notBefore`, so peers with a slightly slow clock accept new
    /// certificates.
    static let clockSkewAllowance: TimeInterval = 60 * 60

    /// A self-signed CA certificate.
    static func authority(commonName: String, key: P256.Signing.PrivateKey, now: Date) throws -> Certificate {
        let name = try DistinguishedName { CommonName(commonName) }
        let publicKey = Certificate.PublicKey(key.publicKey)
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: now - clockSkewAllowance,
            notValidAfter: now + ClusterPKI.caValidity,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true, keyCertSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
    }

    /// A leaf certificate signed by `issuer`; `identity` supplies the SANs of a serving
    /// certificate.
    static func leaf(
        subject: Subject,
        publicKey key: P256.Signing.PublicKey,
        usage: Usage,
        identity: ServingIdentity?,
        issuer: CertifiedKey,
        now: Date
    ) throws -> Certificate {
        let publicKey = Certificate.PublicKey(key)
        let issuerKeyID = try issuer.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        var names: [GeneralName] = []
        if let identity {
            names += identity.dnsNames.map { GeneralName.dnsName($0) }
            names += identity.ipAddresses.map { GeneralName.ipAddress(.init(contentBytes: ArraySlice($0.bytes))) }
        }
        let extendedUsage: ExtendedKeyUsage.Usage = usage == .serverAuth ? .serverAuth : .clientAuth
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: now - clockSkewAllowance,
            notValidAfter: now + ClusterPKI.leafValidity,
            issuer: issuer.certificate.subject,
            subject: try subject.distinguishedName(),
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([extendedUsage])
                AuthorityKeyIdentifier(keyIdentifier: issuerKeyID)
                if !names.isEmpty { SubjectAlternativeNames(names) }
            },
            issuerPrivateKey: Certificate.PrivateKey(issuer.privateKey)
        )
    }

    /// The DNS names and IP addresses in a certificate's SAN extension.
    static func subjectAlternativeNames(of certificate: Certificate) -> (dnsNames: [String], ipAddresses: [IPAddress]) {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return ([], []) }
        var dns: [String] = []
        var addresses: [IPAddress] = []
        for name in names {
            switch name {
            case .dnsName(let value): dns.append(value)
            case .ipAddress(let octets): if let address = IPAddress(bytes: octets.bytes) { addresses.append(address) }
            default: break
            }
        }
        return (dns, addresses)
    }
}
