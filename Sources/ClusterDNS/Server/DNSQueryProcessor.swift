import Logging
import NIOCore

/// Turns one query's bytes into its response's bytes: decodes, resolves against the caller's
/// index, forwards or chases through the upstream, fits the size to the transport.
struct DNSQueryProcessor: Sendable {
    /// What to send back.
    enum Reply {
        /// This response, now.
        case now([UInt8])
        /// A response later (an upstream exchange).
        case later(EventLoopFuture<[UInt8]>)
        /// Nothing (a response sent to us, or bytes with no header).
        case drop
    }

    let resolver: ClusterDNSResolver
    let forwarder: DNSForwarder?
    /// The UDP payload size advertised in our OPT record and the largest UDP answer.
    let maximumUDPPayload: Int
    let logger: Logger

    func process(_ bytes: [UInt8], index: DNSRecordIndex, tcp: Bool, on eventLoop: EventLoop) -> Reply {
        let query: DNSMessage
        do {
            query = try DNSMessage.decode(bytes)
        } catch {
            guard let header = DNSMessage.header(of: bytes), header.flags & 0x8000 == 0 else { return .drop }
            // FORMERR with the query's ID, opcode and RD, and no sections.
            let flags = 0x8000 | header.flags & 0x7900 | UInt16(DNSResponseCode.formatError.rawValue)
            return .now([UInt8(header.id >> 8), UInt8(header.id & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF), 0, 0, 0, 0, 0, 0, 0, 0])
        }
        guard !query.isResponse else { return .drop }
        let limit = tcp ? 65535 : query.edns.map { max(512, min(Int($0.udpPayloadSize), maximumUDPPayload)) } ?? 512
        if let edns = query.edns, edns.version > 0 {
            // BADVERS (16): 1 in the OPT's upper bits, 0 in the header.
            var response = query.response()
            response.edns = DNSEDNS(udpPayloadSize: UInt16(maximumUDPPayload), extendedResponseCode: 1)
            return .now(encode(response, limit: limit))
        }
        switch resolver.resolve(query, index: index) {
        case .answer(let response):
            return .now(encode(response, for: query, limit: limit))
        case .forward:
            guard let forwarder else { return .now(encode(query.response(code: .serverFailure), for: query, limit: limit)) }
            let failure = encode(query.response(code: .serverFailure), for: query, limit: limit)
            let logger = logger
            return .later(forwarder.exchange(bytes, tcp: tcp, on: eventLoop).recover { error in
                logger.debug("upstream failed", metadata: ["name": "\(query.questions.first?.name.description ?? "")", "error": "\(error)"])
                return failure
            })
        case .chase(let response, let cname, let target, let type):
            guard let forwarder else {
                return .now(encode(resolver.complete(response, cname: cname, upstream: nil, index: index), for: query, limit: limit))
            }
            let resolver = resolver
            let processor = self
            return .later(forwarder.lookup(target, type: type, on: eventLoop).map(Optional.some).recover { _ in nil }.map { upstream in
                processor.encode(resolver.complete(response, cname: cname, upstream: upstream, index: index), for: query, limit: limit)
            })
        }
    }

    /// The response's bytes with an OPT record when the query had one, cut to `limit`.
    func encode(_ response: DNSMessage, for query: DNSMessage, limit: Int) -> [UInt8] {
        var response = response
        if query.edns != nil, response.edns == nil {
            response.edns = DNSEDNS(udpPayloadSize: UInt16(maximumUDPPayload), dnssecOK: query.edns?.dnssecOK ?? false)
        }
        return encode(response, limit: limit)
    }

    func encode(_ response: DNSMessage, limit: Int) -> [UInt8] {
        do {
            return try response.encode(maximumSize: limit)
        } catch {
            logger.warning("cannot encode a DNS response", metadata: ["error": "\(error)"])
            var failure = DNSMessage(id: response.id, isResponse: true, opcode: response.opcode, recursionDesired: response.recursionDesired, responseCode: .serverFailure)
            failure.questions = []
            return (try? failure.encode()) ?? []
        }
    }
}
