import Crypto
import KubeAPI
import Testing
import _CryptoExtras
@testable import APIServer

/// Known answers and failure modes of the value transformers (aescbc, aesgcm, identity).
@Suite struct StorageCipherTests {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    // NIST SP 800-38A, F.2.5 (CBC-AES256.Encrypt); the last block is the PKCS#7 padding block.
    static let cbcKey = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
    static let cbcIV = hex("000102030405060708090a0b0c0d0e0f")
    static let cbcPlaintext = hex(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
    static let cbcCiphertext = hex(
        "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b")
        + hex("3f461796d6b0d6b2e0c2a72b4d80e644")

    // The GCM specification (McGrew and Viega), test case 16: AES-256, 96-bit IV, with AAD.
    static let gcmKey = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    static let gcmNonce = hex("cafebabefacedbaddecaf888")
    static let gcmPlaintext = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
    static let gcmAAD = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    static let gcmCiphertextAndTag = hex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662")
        + hex("76fc6ece0f4e1768cddf8853bb2d551b")

    // NaCl's secretbox test (tests/secretbox.c, "firstkey"): XSalsa20-Poly1305.
    static let boxKey = hex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389")
    static let boxNonce = hex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37")
    static let boxMessage = hex(
        "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c6129"
            + "6cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde"
            + "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705")
    static let boxTag = hex("f3ffc7703f9400e52a7dfb4b3d3305d9")
    static let boxCiphertext = hex(
        "8e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c972"
            + "71d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da"
            + "99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5")

    static func key(_ name: String, _ secret: [UInt8]) -> EncryptionConfiguration.Key {
        EncryptionConfiguration.Key(name: name, secret: secret)
    }

    @Test func aescbcMatchesTheNISTVectorInUpstreamsWireFormat() throws {
        let cipher = StorageCipher(algorithm: .aescbc, key: Self.key("k1", Self.cbcKey))
        let stored = try cipher.sealCBC(Self.cbcPlaintext, iv: AES._CBC.IV(ivBytes: Self.cbcIV))
        #expect(stored == Array("k8s:enc:aescbc:v1:k1:".utf8) + Self.cbcIV + Self.cbcCiphertext)
        let transformer = ValueTransformer(providers: [.aescbc(keys: [Self.key("k1", Self.cbcKey)])])
        let read = try transformer.fromStorage(stored, key: "/registry/secrets/default/s")
        #expect(read.value == Self.cbcPlaintext)
        #expect(!read.stale)
    }

    @Test func aesgcmMatchesTheSpecVectorAndBindsTheAuthenticatedData() throws {
        let cipher = StorageCipher(algorithm: .aesgcm, key: Self.key("g", Self.gcmKey))
        let stored = try cipher.sealGCM(Self.gcmPlaintext, nonce: AES.GCM.Nonce(data: Self.gcmNonce), authenticatedData: Self.gcmAAD)
        let prefix = Array("k8s:enc:aesgcm:v1:g:".utf8)
        #expect(stored == prefix + Self.gcmNonce + Self.gcmCiphertextAndTag)
        #expect(try cipher.open(stored[prefix.count...], authenticatedData: Self.gcmAAD) == Self.gcmPlaintext)
        // Under another storage key (other authenticated data) the value does not open.
        #expect(throws: EncryptionError.self) { try cipher.open(stored[prefix.count...], authenticatedData: [1, 2, 3]) }
    }

    @Test func aesgcmUsesTheStorageKeyAsAuthenticatedData() throws {
        let transformer = ValueTransformer(providers: [.aesgcm(keys: [Self.key("g", Self.gcmKey)])])
        let stored = try transformer.toStorage(Array("{\"data\":1}".utf8), key: "/registry/secrets/a/one")
        #expect(try transformer.fromStorage(stored, key: "/registry/secrets/a/one").value == Array("{\"data\":1}".utf8))
        let moved = #expect(throws: EncryptionError.self) { try transformer.fromStorage(stored, key: "/registry/secrets/a/two") }
        #expect(moved?.message.contains("authentication failed") == true)
    }

    @Test func secretboxMatchesNaClsPublishedVectorInUpstreamsWireFormat() throws {
        #expect(Self.boxMessage.count == 131 && Self.boxCiphertext.count == 131)
        let cipher = StorageCipher(algorithm: .secretbox, key: Self.key("box", Self.boxKey))
        let stored = try cipher.sealSecretBox(Self.boxMessage, nonce: Self.boxNonce)
        let prefix = Array("k8s:enc:secretbox:v1:box:".utf8)
        #expect(stored == prefix + Self.boxNonce + Self.boxTag + Self.boxCiphertext)
        let transformer = ValueTransformer(providers: [.secretbox(keys: [Self.key("box", Self.boxKey)])])
        #expect(try transformer.fromStorage(stored, key: "/k").value == Self.boxMessage)
        // Any changed byte (nonce, tag or ciphertext) or another key fails authentication.
        for index in stride(from: prefix.count, to: stored.count, by: 7) {
            var flipped = stored
            flipped[index] ^= 0x80
            #expect(throws: EncryptionError.self) { try transformer.fromStorage(flipped, key: "/k") }
        }
        let other = ValueTransformer(providers: [.secretbox(keys: [Self.key("box", [UInt8](repeating: 4, count: 32))])])
        #expect(throws: EncryptionError.self) { try other.fromStorage(stored, key: "/k") }
        #expect(throws: EncryptionError.self) { try transformer.fromStorage(Array(stored.prefix(prefix.count + 30)), key: "/k") }
    }

    /// poly1305-donna's wrap test: the accumulator ends at 2^130 - 2, which reduces to 3.
    @Test func poly1305ReducesAtTheModulus() {
        let key = [2] + [UInt8](repeating: 0, count: 31)
        #expect(SecretBox.poly1305([UInt8](repeating: 0xff, count: 16), key: key) == [3] + [UInt8](repeating: 0, count: 15))
    }

    @Test(arguments: [StorageCipher.Algorithm.aescbc, .aesgcm, .secretbox])
    func everyWriteUsesAFreshIVAndRoundTrips(algorithm: StorageCipher.Algorithm) throws {
        let keyBytes = [UInt8](repeating: 7, count: 32)
        let provider: EncryptionConfiguration.Provider = switch algorithm {
        case .aescbc: .aescbc(keys: [Self.key("k", keyBytes)])
        case .aesgcm: .aesgcm(keys: [Self.key("k", keyBytes)])
        default: .secretbox(keys: [Self.key("k", keyBytes)])
        }
        let transformer = ValueTransformer(providers: [provider])
        for length in [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000] {
            let value = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 31) }
            let first = try transformer.toStorage(value, key: "/registry/secrets/ns/x")
            let second = try transformer.toStorage(value, key: "/registry/secrets/ns/x")
            #expect(first != second)
            #expect(try transformer.fromStorage(first, key: "/registry/secrets/ns/x").value == value)
            #expect(try transformer.fromStorage(second, key: "/registry/secrets/ns/x").value == value)
        }
    }

    @Test func aWrongKeyOfTheSameNameIsAClearError() throws {
        let right = StorageCipher(algorithm: .aescbc, key: Self.key("k1", Self.cbcKey))
        let stored = try right.sealCBC(Self.cbcPlaintext, iv: AES._CBC.IV(ivBytes: Self.cbcIV))
        let wrong = ValueTransformer(providers: [.aescbc(keys: [Self.key("k1", [UInt8](repeating: 1, count: 32))])])
        let error = #expect(throws: EncryptionError.self) { try wrong.fromStorage(stored, key: "/registry/secrets/default/s") }
        #expect(error?.message.contains("\"k1\"") == true)

        let gcm = ValueTransformer(providers: [.aesgcm(keys: [Self.key("g", Self.gcmKey)])])
        let sealed = try gcm.toStorage([1, 2, 3], key: "/k")
        let otherGCM = ValueTransformer(providers: [.aesgcm(keys: [Self.key("g", [UInt8](repeating: 9, count: 32))])])
        #expect(throws: EncryptionError.self) { try otherGCM.fromStorage(sealed, key: "/k") }
    }

    @Test func corruptedValuesAreErrorsNotCrashes() throws {
        let keys = [Self.key("k1", Self.cbcKey)]
        let cbc = ValueTransformer(providers: [.aescbc(keys: keys)])
        let prefix = Array("k8s:enc:aescbc:v1:k1:".utf8)
        let stored = try StorageCipher(algorithm: .aescbc, key: keys[0]).sealCBC(Self.cbcPlaintext, iv: AES._CBC.IV(ivBytes: Self.cbcIV))
        let damaged: [[UInt8]] = [
            prefix,  // nothing after the prefix
            prefix + Self.cbcIV,  // an IV and no block
            prefix + Array(Self.cbcIV.prefix(7)),  // shorter than an IV
            Array(stored.dropLast(3)),  // not whole blocks
            Array(stored.dropLast(16)),  // the padding block cut off
            stored.enumerated().map { $0.offset == stored.count - 1 ? $0.element ^ 0x55 : $0.element },  // last byte flipped
        ]
        for value in damaged {
            #expect(throws: EncryptionError.self) { try cbc.fromStorage(value, key: "/registry/secrets/default/s") }
        }
        let gcm = ValueTransformer(providers: [.aesgcm(keys: [Self.key("g", Self.gcmKey)])])
        let sealed = try gcm.toStorage(Array("secret".utf8), key: "/k")
        for index in stride(from: 19, to: sealed.count, by: 5) {
            var flipped = sealed
            flipped[index] ^= 0x01
            #expect(throws: EncryptionError.self) { try gcm.fromStorage(flipped, key: "/k") }
        }
        #expect(throws: EncryptionError.self) { try gcm.fromStorage(Array(sealed.prefix(30)), key: "/k") }
    }

    @Test func readsPickTheProviderByPrefixAndReportStaleness() throws {
        let old = Self.key("old", [UInt8](repeating: 1, count: 32))
        let new = Self.key("new", [UInt8](repeating: 2, count: 16))
        let before = ValueTransformer(providers: [.aescbc(keys: [old]), .identity])
        let after = ValueTransformer(providers: [.aescbc(keys: [new, old]), .identity])
        let plaintext = Array("{\"kind\":\"Secret\"}".utf8)
        let underOld = try before.toStorage(plaintext, key: "/k")
        let underNew = try after.toStorage(plaintext, key: "/k")
        #expect(underNew.starts(with: Array("k8s:enc:aescbc:v1:new:".utf8)))
        #expect(try after.fromStorage(underNew, key: "/k").stale == false)
        #expect(try after.fromStorage(underOld, key: "/k") == (plaintext, true))
        // Written before encryption: no prefix, read by identity, stale.
        #expect(try after.fromStorage(plaintext, key: "/k") == (plaintext, true))

        // Identity first: writes plaintext; encrypted values still read (stale), plaintext is current.
        let disabled = ValueTransformer(providers: [.identity, .aescbc(keys: [new, old])])
        #expect(disabled.writesPlaintext)
        #expect(try disabled.toStorage(plaintext, key: "/k") == plaintext)
        #expect(try disabled.fromStorage(underNew, key: "/k") == (plaintext, true))
        #expect(try disabled.fromStorage(plaintext, key: "/k") == (plaintext, false))
    }

    @Test func aValueNoProviderReadsNamesItsPrefixOnly() throws {
        let gone = ValueTransformer(providers: [.aescbc(keys: [Self.key("gone", Self.cbcKey)])])
        let stored = try gone.toStorage(Array("top secret".utf8), key: "/k")
        let current = ValueTransformer(providers: [.aescbc(keys: [Self.key("now", Self.cbcKey)]), .identity])
        let error = #expect(throws: EncryptionError.self) { try current.fromStorage(stored, key: "/k") }
        #expect(error?.message == "no configured provider reads this value (stored with k8s:enc:aescbc:v1:gone:)")
        // Plaintext without identity listed is refused too.
        let noIdentity = ValueTransformer(providers: [.aescbc(keys: [Self.key("now", Self.cbcKey)])])
        let plain = #expect(throws: EncryptionError.self) { try noIdentity.fromStorage(Array("top secret".utf8), key: "/k") }
        #expect(plain?.message.contains("top secret") == false)
    }
}
