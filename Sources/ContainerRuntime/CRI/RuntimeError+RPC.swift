import GRPCCore
import Kubelet

extension SeamError {
    /// The runtime error for a failed CRI call: gRPC status codes map one to one where the seam
    /// has the code. containerd 1.6 reports some failures as `Unknown` with the cause only in the
    /// message; the few the kubelet acts on are recognized by their wording.
    init(rpc error: RPCError, call: String) {
        let message = "\(call): \(error.message)"
        switch error.code {
        case .notFound: self.init(.notFound, message)
        case .invalidArgument, .outOfRange: self.init(.invalidArgument, message)
        case .failedPrecondition, .alreadyExists: self.init(.failedPrecondition, message)
        case .unavailable, .resourceExhausted, .aborted, .cancelled: self.init(.unavailable, message)
        case .deadlineExceeded: self.init(.deadlineExceeded, message)
        case .unimplemented: self.init(.unimplemented, message)
        default: self.init(Self.code(inferredFrom: error.message), message)
        }
    }

    /// The code a message of an `Unknown` status implies.
    static func code(inferredFrom message: String) -> Code {
        let text = message.lowercased()
        if text.hasSuffix(": not found") || text.contains("not found:") || text.hasSuffix(" not found") { return .notFound }
        if text.contains("deadline exceeded") || (text.contains("timeout") && text.contains("exceeded")) { return .deadlineExceeded }
        return .unknown
    }
}
