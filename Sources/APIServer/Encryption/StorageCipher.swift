import Crypto
import _CryptoExtras

/// One provider with one key, as it appears at the front of a stored value: the
/// `k8s:enc:<provider>:v1:<key name>:` prefix followed by what the provider wrote, or for
/// `identity` no prefix at all.
///
/// Wire formats (upstream's):
/// - `aescbc`: prefix, 16-byte random IV, AES-CBC ciphertext of the value with PKCS#7 padding.
/// - `aesgcm`: prefix, 12-byte random nonce, AES-GCM ciphertext, 16-byte tag; the storage key
///   is the additional authenticated data, so a value copied under another key does not open.
/// - `secretbox`: prefix, 24-byte random nonce, 16-byte Poly1305 tag, XSalsa20 ciphertext
///   (NaCl's `crypto_secretbox`, 32-byte keys).
struct StorageCipher: Sendable {
    /// Which algorithm.
    enum Algorithm: Sendable, Hashable {
        case aescbc
        case aesgcm
        case secretbox
        case identity
    }

    /// Every encrypted value starts with this.
    static let encryptedMarker = Array("k8s:enc:".utf8)
    static let cbcBlock = 16
    static let gcmNonce = 12
    static let gcmTag = 16

    let algorithm: Algorithm
    /// The key's name (empty for identity).
    let keyName: String
    /// What the values this cipher writes start with.
    let prefix: [UInt8]
    private let key: SymmetricKey?
    /// The raw key, for the secretbox implementation.
    private let rawKey: [UInt8]

    /// The identity provider.
    static let identity = StorageCipher(algorithm: .identity, keyName: "", prefix: [], key: nil, rawKey: [])

    private init(algorithm: Algorithm, keyName: String, prefix: [UInt8], key: SymmetricKey?, rawKey: [UInt8]) {
        self.algorithm = algorithm
        self.keyName = keyName
        self.prefix = prefix
        self.key = key
        self.rawKey = rawKey
    }

    /// The cipher of one configured key.
    init(algorithm: Algorithm, key: EncryptionConfiguration.Key) {
        let name = algorithm == .aescbc ? "aescbc" : algorithm == .aesgcm ? "aesgcm" : "secretbox"
        self.init(
            algorithm: algorithm, keyName: key.name, prefix: Array("k8s:enc:\(name):v1:\(key.name):".utf8),
            key: SymmetricKey(data: key.secret), rawKey: key.secret)
    }

    /// The stored form of `plaintext`, prefix included. `authenticatedData` is bound to the
    /// value by `aesgcm` (the storage key); the others ignore it.
    func seal(_ plaintext: [UInt8], authenticatedData: [UInt8]) throws(EncryptionError) -> [UInt8] {
        switch algorithm {
        case .identity:
            return plaintext
        case .aescbc:
            return try sealCBC(plaintext, iv: AES._CBC.IV())
        case .aesgcm:
            return try sealGCM(plaintext, nonce: AES.GCM.Nonce(), authenticatedData: authenticatedData)
        case .secretbox:
            var generator = SystemRandomNumberGenerator()
            return try sealSecretBox(plaintext, nonce: (0..<SecretBox.nonceSize).map { _ in generator.next() })
        }
    }

    /// Secretbox with a given nonce (tests pin it to check known answers).
    func sealSecretBox(_ plaintext: [UInt8], nonce: [UInt8]) throws(EncryptionError) -> [UInt8] {
        guard rawKey.count == SecretBox.keySize else { throw EncryptionError("secretbox key \"\(keyName)\" must be 32 bytes") }
        let (tag, ciphertext) = SecretBox.seal(plaintext, nonce: nonce, key: rawKey)
        return prefix + nonce + tag + ciphertext
    }

    /// AES-CBC with a given IV (tests pin it to check known answers).
    func sealCBC(_ plaintext: [UInt8], iv: AES._CBC.IV) throws(EncryptionError) -> [UInt8] {
        guard let key else { throw EncryptionError("no key") }
        do {
            let ciphertext = try AES._CBC.encrypt(plaintext, using: key, iv: iv)
            return prefix + Array(iv) + Array(ciphertext)
        } catch {
            throw EncryptionError("aescbc encryption with key \"\(keyName)\" failed: \(error)")
        }
    }

    /// AES-GCM with a given nonce (tests pin it to check known answers).
    func sealGCM(_ plaintext: [UInt8], nonce: AES.GCM.Nonce, authenticatedData: [UInt8]) throws(EncryptionError) -> [UInt8] {
        guard let key else { throw EncryptionError("no key") }
        do {
            let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: authenticatedData)
            return prefix + Array(nonce) + Array(box.ciphertext) + Array(box.tag)
        } catch {
            throw EncryptionError("aesgcm encryption with key \"\(keyName)\" failed: \(error)")
        }
    }

    /// The plaintext of `body`, the part of a stored value after this cipher's prefix.
    ///
    /// - Throws: ``EncryptionError`` when the value is too short, malformed, or does not
    ///   decrypt under this key (wrong key or corrupted bytes).
    func open(_ body: ArraySlice<UInt8>, authenticatedData: [UInt8]) throws(EncryptionError) -> [UInt8] {
        switch algorithm {
        case .identity:
            if body.starts(with: Self.encryptedMarker) {
                throw EncryptionError("the identity provider cannot read an encrypted value")
            }
            return Array(body)
        case .aescbc:
            return try openCBC(body)
        case .aesgcm:
            return try openGCM(body, authenticatedData: authenticatedData)
        case .secretbox:
            guard rawKey.count == SecretBox.keySize else { throw EncryptionError("secretbox key \"\(keyName)\" must be 32 bytes") }
            guard body.count >= SecretBox.nonceSize + SecretBox.tagSize else {
                throw EncryptionError("secretbox key \"\(keyName)\": the stored value is shorter than a nonce and a tag")
            }
            let nonce = body.prefix(SecretBox.nonceSize)
            let tag = body.dropFirst(SecretBox.nonceSize).prefix(SecretBox.tagSize)
            guard let plaintext = SecretBox.open(
                tag: tag, ciphertext: body.dropFirst(SecretBox.nonceSize + SecretBox.tagSize), nonce: nonce, key: rawKey)
            else {
                throw EncryptionError("secretbox key \"\(keyName)\": authentication failed (wrong key or corrupted value)")
            }
            return plaintext
        }
    }

    private func openCBC(_ body: ArraySlice<UInt8>) throws(EncryptionError) -> [UInt8] {
        guard let key else { throw EncryptionError("no key") }
        let block = Self.cbcBlock
        guard body.count >= 2 * block else {
            throw EncryptionError("aescbc key \"\(keyName)\": the stored value is shorter than an IV and one block")
        }
        let ciphertext = body.dropFirst(block)
        guard ciphertext.count % block == 0 else {
            throw EncryptionError("aescbc key \"\(keyName)\": the stored value is not a whole number of AES blocks")
        }
        let padded: [UInt8]
        do {
            let iv = try AES._CBC.IV(ivBytes: body.prefix(block))
            padded = Array(try AES._CBC.decrypt(ciphertext, using: key, iv: iv, noPadding: true))
        } catch {
            throw EncryptionError("aescbc key \"\(keyName)\": decryption failed: \(error)")
        }
        // PKCS#7: the last byte n (1...16) says how many bytes of value n end the data.
        guard let last = padded.last, last >= 1, Int(last) <= block,
              padded.suffix(Int(last)).allSatisfy({ $0 == last })
        else {
            throw EncryptionError("aescbc key \"\(keyName)\": invalid padding (wrong key or corrupted value)")
        }
        return Array(padded.dropLast(Int(last)))
    }

    private func openGCM(_ body: ArraySlice<UInt8>, authenticatedData: [UInt8]) throws(EncryptionError) -> [UInt8] {
        guard let key else { throw EncryptionError("no key") }
        guard body.count >= Self.gcmNonce + Self.gcmTag else {
            throw EncryptionError("aesgcm key \"\(keyName)\": the stored value is shorter than a nonce and a tag")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: body)
            return Array(try AES.GCM.open(box, using: key, authenticating: authenticatedData))
        } catch {
            throw EncryptionError("aesgcm key \"\(keyName)\": authentication failed (wrong key, corrupted value, or a value moved from another key)")
        }
    }

    /// `AES-CBC`, `AES-GCM`, `identity`: the name `k3s secrets-encrypt status` shows.
    var displayType: String {
        switch algorithm {
        case .aescbc: return "AES-CBC"
        case .aesgcm: return "AES-GCM"
        case .secretbox: return "SecretBox"
        case .identity: return "identity"
        }
    }
}
