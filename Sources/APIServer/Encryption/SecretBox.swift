/// NaCl's `crypto_secretbox`: XSalsa20 encryption with a Poly1305 tag (32-byte key, 24-byte
/// nonce, 16-byte tag), written from the Salsa20 and Poly1305 specifications because
/// swift-crypto has neither. Checked against NaCl's published secretbox test vector.
///
/// The XSalsa20 key stream's first 32 bytes are the Poly1305 key; the message is XORed with
/// the stream from byte 32 on; the tag authenticates the ciphertext.
enum SecretBox {
    static let keySize = 32
    static let nonceSize = 24
    static let tagSize = 16

    /// The tag and the ciphertext of `message`.
    static func seal(_ message: [UInt8], nonce: [UInt8], key: [UInt8]) -> (tag: [UInt8], ciphertext: [UInt8]) {
        precondition(key.count == keySize && nonce.count == nonceSize)
        let (polyKey, ciphertext) = xsalsa20(message, nonce: nonce, key: key)
        return (poly1305(ciphertext, key: polyKey), ciphertext)
    }

    /// The message, or `nil` when the tag does not match (wrong key or altered bytes).
    static func open(tag: ArraySlice<UInt8>, ciphertext: ArraySlice<UInt8>, nonce: ArraySlice<UInt8>, key: [UInt8]) -> [UInt8]? {
        precondition(key.count == keySize && nonce.count == nonceSize && tag.count == tagSize)
        let subkey = hsalsa20(key: key, input: Array(nonce.prefix(16)))
        let tail = Array(nonce.suffix(8))
        let polyKey = Array(salsa20Block(key: subkey, nonce: tail, counter: 0).prefix(32))
        let expected = poly1305(Array(ciphertext), key: polyKey)
        // Compared in constant time.
        var difference: UInt8 = 0
        for (a, b) in zip(expected, tag) { difference |= a ^ b }
        guard difference == 0 else { return nil }
        return xsalsa20(Array(ciphertext), nonce: Array(nonce), key: key).output
    }

    /// XORs `input` with the XSalsa20 stream after its first 32 bytes; returns those 32 bytes
    /// (the Poly1305 key) and the result.
    private static func xsalsa20(_ input: [UInt8], nonce: [UInt8], key: [UInt8]) -> (polyKey: [UInt8], output: [UInt8]) {
        let subkey = hsalsa20(key: key, input: Array(nonce.prefix(16)))
        let tail = Array(nonce.suffix(8))
        var output = [UInt8](repeating: 0, count: input.count)
        var polyKey: [UInt8] = []
        var counter: UInt64 = 0
        var position = -32  // the first 32 stream bytes are the Poly1305 key
        while position < input.count {
            let block = salsa20Block(key: subkey, nonce: tail, counter: counter)
            counter += 1
            for byte in block {
                if position < 0 {
                    polyKey.append(byte)
                } else if position < input.count {
                    output[position] = input[position] ^ byte
                }
                position += 1
            }
        }
        return (polyKey, output)
    }

    // MARK: - Salsa20

    private static let sigma: [UInt32] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]  // "expand 32-byte k"

    private static func load32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    private static func rotl(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value << count) | (value >> (32 - count))
    }

    /// The Salsa20 input matrix: constants on the diagonal, the key around them, 16 bytes of
    /// input (nonce and counter) in the middle.
    private static func matrix(key: [UInt8], input: [UInt8]) -> [UInt32] {
        var x = [UInt32](repeating: 0, count: 16)
        x[0] = sigma[0]; x[5] = sigma[1]; x[10] = sigma[2]; x[15] = sigma[3]
        for i in 0..<4 {
            x[1 + i] = load32(key, 4 * i)
            x[11 + i] = load32(key, 16 + 4 * i)
            x[6 + i] = load32(input, 4 * i)
        }
        return x
    }

    /// Twenty rounds (ten column-and-row double rounds) on the matrix.
    private static func rounds(_ x: inout [UInt32]) {
        func quarter(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
            x[b] ^= rotl(x[a] &+ x[d], 7)
            x[c] ^= rotl(x[b] &+ x[a], 9)
            x[d] ^= rotl(x[c] &+ x[b], 13)
            x[a] ^= rotl(x[d] &+ x[c], 18)
        }
        for _ in 0..<10 {
            quarter(0, 4, 8, 12); quarter(5, 9, 13, 1); quarter(10, 14, 2, 6); quarter(15, 3, 7, 11)
            quarter(0, 1, 2, 3); quarter(5, 6, 7, 4); quarter(10, 11, 8, 9); quarter(15, 12, 13, 14)
        }
    }

    /// One 64-byte Salsa20 block for an 8-byte nonce and a block counter.
    private static func salsa20Block(key: [UInt8], nonce: [UInt8], counter: UInt64) -> [UInt8] {
        var input = nonce
        for shift in stride(from: 0, to: 64, by: 8) { input.append(UInt8(truncatingIfNeeded: counter >> UInt64(shift))) }
        let start = matrix(key: key, input: input)
        var x = start
        rounds(&x)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for i in 0..<16 {
            let word = x[i] &+ start[i]
            for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        return out
    }

    /// HSalsa20: the subkey XSalsa20 derives from the key and the nonce's first 16 bytes.
    private static func hsalsa20(key: [UInt8], input: [UInt8]) -> [UInt8] {
        var x = matrix(key: key, input: input)
        rounds(&x)
        var out: [UInt8] = []
        for i in [0, 5, 10, 15, 6, 7, 8, 9] {
            for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: x[i] >> UInt32(shift))) }
        }
        return out
    }

    // MARK: - Poly1305

    /// The Poly1305 tag of `message` under a 32-byte one-time key, with the accumulator in five
    /// 26-bit limbs so every product fits 64 bits.
    static func poly1305(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        let mask: UInt64 = 0x3ff_ffff
        let r0 = UInt64(load32(key, 0)) & 0x3ff_ffff
        let r1 = UInt64(load32(key, 3) >> 2) & 0x3ff_ff03
        let r2 = UInt64(load32(key, 6) >> 4) & 0x3ff_c0ff
        let r3 = UInt64(load32(key, 9) >> 6) & 0x3f0_3fff
        let r4 = UInt64(load32(key, 12) >> 8) & 0x00f_ffff
        let s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5
        var h0: UInt64 = 0, h1: UInt64 = 0, h2: UInt64 = 0, h3: UInt64 = 0, h4: UInt64 = 0

        var offset = 0
        while offset < message.count {
            var block = [UInt8](repeating: 0, count: 17)
            let count = min(16, message.count - offset)
            for i in 0..<count { block[i] = message[offset + i] }
            block[count] = 1  // the 2^(8·length) bit: above a full block, after a partial one
            offset += count
            h0 += UInt64(load32(block, 0)) & mask
            h1 += UInt64(load32(block, 3) >> 2) & mask
            h2 += UInt64(load32(block, 6) >> 4) & mask
            h3 += UInt64(load32(block, 9) >> 6) & mask
            h4 += UInt64(load32(block, 12) >> 8) | UInt64(block[16]) << 24

            let d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1
            var d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2
            var d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3
            var d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4
            var d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0
            h0 = d0 & mask
            d1 += d0 >> 26; h1 = d1 & mask
            d2 += d1 >> 26; h2 = d2 & mask
            d3 += d2 >> 26; h3 = d3 & mask
            d4 += d3 >> 26; h4 = d4 & mask
            h0 += (d4 >> 26) * 5
            h1 += h0 >> 26; h0 &= mask
        }

        // Fully reduce modulo 2^130 - 5.
        var c = h1 >> 26; h1 &= mask
        h2 += c; c = h2 >> 26; h2 &= mask
        h3 += c; c = h3 >> 26; h3 &= mask
        h4 += c; c = h4 >> 26; h4 &= mask
        h0 += c * 5; c = h0 >> 26; h0 &= mask
        h1 += c
        var g0 = h0 + 5; c = g0 >> 26; g0 &= mask
        var g1 = h1 + c; c = g1 >> 26; g1 &= mask
        var g2 = h2 + c; c = g2 >> 26; g2 &= mask
        var g3 = h3 + c; c = g3 >> 26; g3 &= mask
        let g4 = (h4 + c) &- (1 << 26)
        // h - p is non-negative (h >= p): take it; chosen without branching on secret data.
        let useG = (g4 >> 63) &- 1  // all ones when g4 did not go below zero
        h0 = (h0 & ~useG) | (g0 & useG)
        h1 = (h1 & ~useG) | (g1 & useG)
        h2 = (h2 & ~useG) | (g2 & useG)
        h3 = (h3 & ~useG) | (g3 & useG)
        h4 = (h4 & ~useG) | (g4 & useG)

        // Pack into 128 bits and add the second half of the key.
        let words = [
            (h0 | h1 << 26) & 0xffff_ffff,
            (h1 >> 6 | h2 << 20) & 0xffff_ffff,
            (h2 >> 12 | h3 << 14) & 0xffff_ffff,
            (h3 >> 18 | h4 << 8) & 0xffff_ffff,
        ]
        var tag: [UInt8] = []
        var carry: UInt64 = 0
        for i in 0..<4 {
            let sum = words[i] + UInt64(load32(key, 16 + 4 * i)) + carry
            carry = sum >> 32
            for shift in stride(from: 0, to: 32, by: 8) { tag.append(UInt8(truncatingIfNeeded: sum >> UInt64(shift))) }
        }
        return tag
    }
}
