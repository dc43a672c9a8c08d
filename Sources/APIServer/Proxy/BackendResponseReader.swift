import KubeAPI
import NIOCore

/// A backend's answer to an upgrade request: the status line and headers, and the body when
/// the backend did not switch protocols.
struct BackendResponse: Sendable {
    /// The status code.
    var status: Int
    /// The headers in order.
    var headers: [(name: String, value: String)]
    /// The body (empty for `101`).
    var body: [UInt8]

    /// The first value of a header (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Why a backend's response could not be read.
struct BackendResponseError: Error, CustomStringConvertible {
    var description: String
}

/// Parses an HTTP/1.1 response from raw bytes: the head, then for a `101` the rest is the
/// switched protocol's, otherwise the body framed by `Content-Length`, chunked encoding or the
/// end of the connection.
struct BackendResponseReader {
    enum Outcome {
        case needMore
        /// `101`: the head and the bytes after it (already the new protocol's).
        case switching(BackendResponse, ByteBuffer)
        case complete(BackendResponse)
    }

    private static let headLimit = 64 * 1024
    let bodyLimit: Int
    private var buffer: [UInt8] = []
    private var head: BackendResponse?
    private var headEnd = 0

    init(bodyLimit: Int) {
        self.bodyLimit = bodyLimit
    }

    /// Takes more bytes.
    mutating func feed(_ bytes: ByteBuffer) throws(BackendResponseError) -> Outcome {
        buffer.append(contentsOf: bytes.readableBytesView)
        if head == nil {
            guard let end = Self.headEnd(in: buffer) else {
                if buffer.count > Self.headLimit { throw BackendResponseError(description: "response head too large") }
                return .needMore
            }
            head = try Self.parseHead(buffer[..<end])
            headEnd = end + 4
            if head?.status == 101 {
                let rest = ByteBuffer(bytes: buffer[headEnd...])
                return .switching(head!, rest)
            }
        }
        guard var response = head else { return .needMore }
        let body = buffer[headEnd...]
        if body.count > bodyLimit { throw BackendResponseError(description: "response body larger than \(bodyLimit) bytes") }
        if let length = response.header("Content-Length").flatMap({ Int($0.trimmingSpaces()) }) {
            guard body.count >= length else { return .needMore }
            response.body = Array(body.prefix(length))
            return .complete(response)
        }
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            guard let decoded = Self.dechunk(body) else { return .needMore }
            response.body = decoded
            return .complete(response)
        }
        if response.status == 204 || response.status == 304 { return .complete(response) }
        return .needMore
    }

    /// The connection ended: what was read is the whole response, if its head arrived.
    mutating func finish() throws(BackendResponseError) -> BackendResponse {
        guard var response = head else { throw BackendResponseError(description: "the backend closed the connection without a response") }
        let body = buffer[headEnd...]
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            response.body = Self.dechunk(body) ?? []
        } else {
            response.body = Array(body)
        }
        return response
    }

    private static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    private static func parseHead(_ bytes: ArraySlice<UInt8>) throws(BackendResponseError) -> BackendResponse {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)[...]
        guard let statusLine = lines.popFirst() else { throw BackendResponseError(description: "empty response head") }
        let fields = statusLine.split(separator: " ", maxSplits: 2)
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/1."), let status = Int(fields[1]) else {
            throw BackendResponseError(description: "malformed status line \(statusLine.prefix(80))")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw BackendResponseError(description: "malformed header line") }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces()))
        }
        return BackendResponse(status: status, headers: headers, body: [])
    }

    /// The body of a complete chunked encoding, or `nil` while the last chunk has not arrived.
    static func dechunk(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        var index = bytes.startIndex
        while true {
            guard let lineEnd = crlf(in: bytes, from: index) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingSpaces(), radix: 16) else { return nil }
            index = lineEnd + 2
            if size == 0 { return output }
            guard bytes.endIndex - index >= size + 2 else { return nil }
            output.append(contentsOf: bytes[index..<(index + size)])
            index += size + 2
        }
    }

    private static func crlf(in bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.endIndex {
            if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }
}
