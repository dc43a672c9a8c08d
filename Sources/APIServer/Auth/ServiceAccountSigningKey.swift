#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import _CryptoExtras
import KubeAPI

/// The key the server signs service-account tokens with: ECDSA P-256 (`ES256`) or RSA (`RS256`,
/// what upstream and K3s generate by default). Held as DER bytes so the value is `Sendable`.
public struct ServiceAccountSigningKey: Sendable {
    enum Storage: Sendable, Hashable {
        case es256(der: [UInt8])
        case rs256(der: [UInt8])
    }

    let storage: Storage
    /// The matching verification key.
    public let publicKey: ServiceAccountVerificationKey

    /// An ECDSA P-256 key; tokens are signed `ES256`.
    public static func es256(_ key: P256.Signing.PrivateKey) -> ServiceAccountSigningKey {
        ServiceAccountSigningKey(storage: .es256(der: Array(key.derRepresentation)), publicKey: .es256(key.publicKey))
    }

    /// An RSA key; tokens are signed `RS256`.
    public static func rs256(_ key: _RSA.Signing.PrivateKey) -> ServiceAccountSigningKey {
        ServiceAccountSigningKey(storage: .rs256(der: Array(key.derRepresentation)), publicKey: .rs256(key.publicKey))
    }

    init(storage: Storage, publicKey: ServiceAccountVerificationKey) {
        self.storage = storage
        self.publicKey = publicKey
    }

    /// Reads a PEM private key (`EC PRIVATE KEY`, `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`).
    ///
    /// - Throws: the crypto library's error when the PEM holds neither key type.
    public init(pem: String) throws {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            self = .es256(key)
        } else {
            self = .rs256(try _RSA.Signing.PrivateKey(pemRepresentation: pem))
        }
    }

    /// The JWS `alg` value.
    public var algorithm: String { publicKey.algorithm }

    /// Signs the JWS signing input.
    func sign(_ input: [UInt8]) throws -> [UInt8] {
        switch storage {
        case .es256(let der):
            Array(try P256.Signing.PrivateKey(derRepresentation: der).signature(for: input).rawRepresentation)
        case .rs256(let der):
            Array(try _RSA.Signing.PrivateKey(derRepresentation: der).signature(for: input, padding: .insecurePKCS1v1_5).rawRepresentation)
        }
    }
}

/// A key that verifies service-account token signatures. Held as DER bytes so the value is
/// `Sendable`.
public struct ServiceAccountVerificationKey: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case es256(der: [UInt8])
        case rs256(der: [UInt8])
    }

    let storage: Storage

    /// An ECDSA P-256 public key (`ES256`).
    public static func es256(_ key: P256.Signing.PublicKey) -> ServiceAccountVerificationKey {
        ServiceAccountVerificationKey(storage: .es256(der: Array(key.derRepresentation)))
    }

    /// An RSA public key (`RS256`).
    public static func rs256(_ key: _RSA.Signing.PublicKey) -> ServiceAccountVerificationKey {
        ServiceAccountVerificationKey(storage: .rs256(der: Array(key.derRepresentation)))
    }

    init(storage: Storage) {
        self.storage = storage
    }

    /// Reads a PEM public key (`PUBLIC KEY`, or `RSA PUBLIC KEY`).
    ///
    /// - Throws: the crypto library's error when the PEM holds neither key type.
    public init(pem: String) throws {
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) {
            self = .es256(key)
        } else {
            self = .rs256(try _RSA.Signing.PublicKey(pemRepresentation: pem))
        }
    }

    /// The JWS `alg` value.
    public var algorithm: String {
        switch storage {
        case .es256: "ES256"
        case .rs256: "RS256"
        }
    }

    /// The key id written in token headers: the unpadded base64url SHA-256 of the key's DER form.
    public var keyID: String {
        switch storage {
        case .es256(let der), .rs256(let der): Base64.encode(SHA256.hash(data: der), alphabet: .url, padded: false)
        }
    }

    /// Whether `signature` is this key's signature of `input` under `algorithm`.
    func verify(_ signature: [UInt8], of input: [UInt8], algorithm: String) -> Bool {
        switch storage {
        case .es256(let der):
            guard algorithm == "ES256",
                  let key = try? P256.Signing.PublicKey(derRepresentation: der),
                  let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(parsed, for: input)
        case .rs256(let der):
            guard algorithm == "RS256", let key = try? _RSA.Signing.PublicKey(derRepresentation: der) else { return false }
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .insecurePKCS1v1_5)
        }
    }
}
