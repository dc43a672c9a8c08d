/// Why a node could not join.
public enum NodeJoinFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The token cannot be parsed.
    case invalidToken(String)
    /// The CA the server presents is not the one the token's hash names: the server is not
    /// the one the token belongs to (or someone is in between).
    case caHashMismatch(expected: String, actual: String)
    /// The server refused the token (401).
    case unauthorized(String)
    /// The server refused the request otherwise.
    case refused(status: Int, message: String)
    /// The server could not be reached or the connection failed.
    case unreachable(String)
    /// The server's answer is not what the protocol says.
    case invalidResponse(String)

    /// A message for the operator.
    public var description: String {
        switch self {
        case .invalidToken(let reason):
            reason
        case .caHashMismatch(let expected, let actual):
            "the server's CA certificate does not match the hash in the token (token: \(expected), server: \(actual))"
        case .unauthorized(let message):
            "the server refused the join token: \(message)"
        case .refused(let status, let message):
            "the server refused the node certificate request (HTTP \(status)): \(message)"
        case .unreachable(let reason):
            "cannot reach the server: \(reason)"
        case .invalidResponse(let reason):
            "unexpected answer from the server: \(reason)"
        }
    }
}
