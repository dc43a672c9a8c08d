/// How one resource's values are stored: an ordered list of ciphers (one per provider key).
/// The first writes; any whose prefix the stored value carries reads it.
///
/// A read says whether the value is *stale*: read by any cipher but the first (an old key, or
/// plaintext while encryption is on, or ciphertext while it is off). The API server rewrites a
/// stale value on an update even when the object did not change, which is how re-encryption
/// works.
public struct ValueTransformer: Sendable {
    let ciphers: [StorageCipher]

    /// The ciphers of a rule's providers, in order (each key of a provider in its listed order).
    public init(providers: [EncryptionConfiguration.Provider]) {
        var ciphers: [StorageCipher] = []
        for provider in providers {
            switch provider {
            case .identity: ciphers.append(.identity)
            case .aescbc(let keys): ciphers += keys.map { StorageCipher(algorithm: .aescbc, key: $0) }
            case .aesgcm(let keys): ciphers += keys.map { StorageCipher(algorithm: .aesgcm, key: $0) }
            case .secretbox(let keys): ciphers += keys.map { StorageCipher(algorithm: .secretbox, key: $0) }
            }
        }
        self.ciphers = ciphers.isEmpty ? [.identity] : ciphers
    }

    /// Whether writes are stored as they are.
    public var writesPlaintext: Bool { ciphers[0].algorithm == .identity }

    /// The stored form of a value written under `key`.
    public func toStorage(_ value: [UInt8], key: String) throws(EncryptionError) -> [UInt8] {
        try ciphers[0].seal(value, authenticatedData: Array(key.utf8))
    }

    /// The value stored under `key`, and whether it is stale.
    ///
    /// - Throws: ``EncryptionError`` when no cipher's prefix matches, or every matching cipher
    ///   failed to open it (their reasons are listed).
    public func fromStorage(_ stored: [UInt8], key: String) throws(EncryptionError) -> (value: [UInt8], stale: Bool) {
        var failures: [String] = []
        for (index, cipher) in ciphers.enumerated() where stored.starts(with: cipher.prefix) {
            do {
                let value = try cipher.open(stored[cipher.prefix.count...], authenticatedData: Array(key.utf8))
                return (value, index != 0)
            } catch {
                // The identity provider refusing ciphertext is not a failure: a later
                // provider may own the prefix.
                if cipher.algorithm != .identity { failures.append(error.message) }
            }
        }
        if !failures.isEmpty {
            throw EncryptionError(failures.joined(separator: "; "))
        }
        throw EncryptionError("no configured provider reads this value (\(Self.describePrefix(stored)))")
    }

    /// `stored with k8s:enc:aescbc:v1:old:` or `stored in plaintext`: what a value's prefix says,
    /// never its content.
    static func describePrefix(_ stored: [UInt8]) -> String {
        guard stored.starts(with: StorageCipher.encryptedMarker) else { return "stored in plaintext" }
        // k8s:enc:<provider>:v1:<name>: holds five colons.
        var colons = 0
        var end = stored.startIndex
        for (index, byte) in stored.enumerated().prefix(256) where byte == UInt8(ascii: ":") {
            colons += 1
            end = index + 1
            if colons == 5 { break }
        }
        return "stored with \(String(decoding: stored[..<end], as: UTF8.self))"
    }
}
