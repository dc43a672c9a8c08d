#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-wise (UTF-8) comparisons of keys: the order lists use and the sense in which a key
/// "starts with" a prefix. Swift's own `String` comparison uses Unicode canonical equivalence,
/// which is not what a key-value store wants.
public enum ByteOrder {
    /// Whether `a` sorts before `b` comparing their UTF-8 bytes.
    @inlinable
    public static func less(_ a: String, _ b: String) -> Bool {
        compare(a, b) < 0
    }

    /// Compares the UTF-8 bytes of `a` and `b`: negative, zero or positive.
    public static func compare(_ a: String, _ b: String) -> Int {
        var a = a
        var b = b
        return a.withUTF8 { pa in
            b.withUTF8 { pb in
                let common = min(pa.count, pb.count)
                if common > 0, let baseA = pa.baseAddress, let baseB = pb.baseAddress {
                    let result = memcmp(baseA, baseB, common)
                    if result != 0 { return Int(result) }
                }
                return pa.count - pb.count
            }
        }
    }

    /// Whether the UTF-8 bytes of `a` and `b` are the same.
    public static func equal(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && compare(a, b) == 0
    }

    /// Whether the UTF-8 bytes of `key` start with those of `prefix`.
    public static func hasPrefix(_ key: String, _ prefix: String) -> Bool {
        var key = key
        var prefix = prefix
        return key.withUTF8 { pk in
            prefix.withUTF8 { pp in
                guard pp.count <= pk.count else { return false }
                guard pp.count > 0, let baseK = pk.baseAddress, let baseP = pp.baseAddress else { return true }
                return memcmp(baseK, baseP, pp.count) == 0
            }
        }
    }

    /// Whether the UTF-8 bytes of `key` start with `prefix`.
    public static func hasPrefix(_ key: String, bytes prefix: [UInt8]) -> Bool {
        var key = key
        return key.withUTF8 { pk in
            prefix.withUnsafeBufferPointer { pp in
                guard pp.count <= pk.count else { return false }
                guard pp.count > 0, let baseK = pk.baseAddress, let baseP = pp.baseAddress else { return true }
                return memcmp(baseK, baseP, pp.count) == 0
            }
        }
    }
}
