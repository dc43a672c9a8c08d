/// A failure reported by a `RuntimeClient`, with a gRPC-style code so a CRI implementation can
/// map its status codes one to one.
public struct RuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure.
    public enum Code: String, Sendable, Hashable {
        /// The sandbox, container or image does not exist.
        case notFound = "NotFound"
        /// The request itself is malformed (empty name, bad CIDR, bad annotation).
        case invalidArgument = "InvalidArgument"
        /// The object is in a state that does not allow the operation (starting a container twice,
        /// creating a container in a stopped sandbox, no pod CIDR yet).
        case failedPrecondition = "FailedPrecondition"
        /// The runtime cannot serve now (pod CIDR exhausted, runtime shut down).
        case unavailable = "Unavailable"
        /// The operation did not finish in time (an `execSync` past its timeout).
        case deadlineExceeded = "DeadlineExceeded"
        /// The runtime does not offer the operation.
        case unimplemented = "Unimplemented"
        /// Anything else the runtime reports (its message says what).
        case unknown = "Unknown"
    }

    /// The class of failure.
    public var code: Code
    /// A message naming the object.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
