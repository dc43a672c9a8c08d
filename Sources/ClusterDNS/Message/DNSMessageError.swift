/// Why a DNS message could not be decoded or encoded.
public enum DNSMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message ends before a field it announces (what was being read).
    case truncated(String)
    /// A name is malformed: a label too long, a name past 255 bytes, a bad or looping pointer.
    case invalidName(String)
    /// A record's data does not match its type (type, detail).
    case invalidRecord(UInt16, String)
    /// The message does not fit the 65,535 bytes of the wire format, or its counts overflow.
    case tooLarge

    public var description: String {
        switch self {
        case .truncated(let field): return "DNS message truncated while reading \(field)"
        case .invalidName(let detail): return "invalid DNS name: \(detail)"
        case .invalidRecord(let type, let detail): return "invalid DNS record of type \(type): \(detail)"
        case .tooLarge: return "DNS message larger than 65535 bytes"
        }
    }
}
