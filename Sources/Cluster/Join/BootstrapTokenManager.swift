import APIServer
import KubeAPI
import KubeClient

/// Creates, lists and deletes bootstrap tokens through the API (as `k3s token` does): each is a
/// Secret `bootstrap-token-<id>` in `kube-system`.
public struct BootstrapTokenManager: Sendable {
    /// The group K3s gives tokens when none is asked for.
    public static let defaultGroups = ["system:bootstrappers:k3s:default-node-token"]

    /// Carries the requests.
    public let transport: any KubeTransport
    /// The server CA bundle, for the `K10<hash>::` form of created tokens.
    public let caBundlePEM: String?

    /// Why a token operation failed.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Creates a manager.
    public init(transport: any KubeTransport, caBundlePEM: String?) {
        self.transport = transport
        self.caBundlePEM = caBundlePEM
    }

    /// Creates a manager from an admin kubeconfig (its server, credentials and CA).
    ///
    /// - Throws: ``HTTPSTransportError`` when the kubeconfig cannot be used.
    public init(kubeconfig path: String) throws(HTTPSTransportError) {
        let file = try KubeconfigFile(contentsOf: path)
        self.init(transport: try HTTPSTransport(configuration: file.transportConfiguration()), caBundlePEM: file.certificateAuthorityPEM)
    }

    /// The full join form of a token: `K10<ca hash>::<id>.<secret>`, or `<id>.<secret>`
    /// without a CA.
    public func joinForm(of token: BootstrapToken) -> String {
        guard let caBundlePEM else { return token.description }
        return "K10\(NodeToken.hash(caBundlePEM))::\(token)"
    }

    /// Creates a new random token valid for `ttlSeconds` (0 or `nil`: forever) usable for
    /// authentication and signing.
    ///
    /// - Throws: ``Failure`` with the server's message.
    public func create(
        ttlSeconds: Int64?, description: String = "", extraGroups: [String] = defaultGroups, now: Time = Time.now()
    ) async throws -> BootstrapTokenInfo {
        for group in extraGroups where !group.hasPrefix(BootstrapToken.groupPrefix) {
            throw Failure(description: "group \"\(group)\" must start with \(BootstrapToken.groupPrefix)")
        }
        let expiration = ttlSeconds.flatMap { $0 > 0 ? Time(secondsSinceEpoch: now.secondsSinceEpoch + $0) : nil }
        let info = BootstrapTokenInfo(
            token: BootstrapToken.generate(), expiration: expiration, usages: ["authentication", "signing"],
            description: description, extraGroups: extraGroups)
        let response = try await transport.send(KubeRequest(
            method: .post, path: "/api/v1/namespaces/\(BootstrapToken.namespace)/secrets",
            headers: [(name: "Content-Type", value: "application/json")], body: info.secret.serialized()))
        guard response.status == 201 || response.status == 200 else { throw Self.failure(response) }
        return info
    }

    /// Every bootstrap token, by id.
    ///
    /// - Throws: ``Failure`` with the server's message.
    public func list() async throws -> [BootstrapTokenInfo] {
        let response = try await transport.send(KubeRequest(
            method: .get, path: "/api/v1/namespaces/\(BootstrapToken.namespace)/secrets",
            query: [(name: "fieldSelector", value: "type=\(BootstrapToken.secretType)")]))
        guard response.status == 200 else { throw Self.failure(response) }
        let items = (try? JSONValue(parsing: response.body))?["items"]?.arrayValue ?? []
        return items.compactMap(BootstrapTokenInfo.init(secret:)).sorted { $0.token.id < $1.token.id }
    }

    /// Deletes a token given by id, `<id>.<secret>` or `K10<hash>::<id>.<secret>`; returns its id.
    ///
    /// - Throws: ``Failure`` (unknown token, malformed argument, server errors).
    @discardableResult
    public func delete(_ argument: String) async throws -> String {
        var text = argument
        if text.hasPrefix("K10"), let separator = text.firstRange(of: "::") { text = String(text[separator.upperBound...]) }
        let id = text.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
        guard BootstrapToken.isValidID(id) else {
            throw Failure(description: "the argument is neither a token id (6 characters of [a-z0-9]) nor a token")
        }
        let response = try await transport.send(KubeRequest(
            method: .delete, path: "/api/v1/namespaces/\(BootstrapToken.namespace)/secrets/\(BootstrapToken.secretNamePrefix)\(id)"))
        if response.status == 404 { throw Failure(description: "bootstrap token \(id) not found") }
        guard response.status == 200 || response.status == 202 else { throw Self.failure(response) }
        return id
    }

    /// The table `k3s token list` prints.
    public static func table(_ tokens: [BootstrapTokenInfo], now: Time = Time.now()) -> String {
        var rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]]
        for info in tokens {
            let ttl: String
            let expires: String
            if let expiration = info.expiration {
                let remaining = expiration.secondsSinceEpoch - now.secondsSinceEpoch
                ttl = remaining > 0 ? shortTTL(remaining) : "<invalid>"
                expires = expiration.description
            } else {
                ttl = "<forever>"
                expires = "<never>"
            }
            rows.append([
                info.token.description, ttl, expires, info.usages.joined(separator: ","),
                info.description.isEmpty ? "<none>" : info.description, info.extraGroups.joined(separator: ","),
            ])
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 3)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }

    /// The seconds of a `--ttl` value: a Go duration (`24h`, `90m`, `1h30m`, `0` for forever),
    /// rounded up to whole seconds so that a short TTL never reads as forever.
    ///
    /// - Throws: `GoDuration.ParseError` for text that is not a duration, or a negative one.
    public static func ttlSeconds(_ text: String) throws(GoDuration.ParseError) -> Int64 {
        let duration = try GoDuration(parsing: text)
        guard duration.nanoseconds >= 0 else { throw GoDuration.ParseError(text: text, reason: "a TTL may not be negative") }
        let (seconds, remainder) = duration.nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return remainder > 0 ? seconds + 1 : seconds
    }

    /// A short form of a remaining TTL: its largest whole unit (`2d`, `23h`, `59m`, `30s`), as
    /// `kubeadm token list` prints it.
    static func shortTTL(_ seconds: Int64) -> String {
        if seconds >= 86_400 * 2 { return "\(seconds / 86_400)d" }
        if seconds >= 3600 { return "\(seconds / 3600)h" }
        if seconds >= 60 { return "\(seconds / 60)m" }
        return "\(max(0, seconds))s"
    }

    static func failure(_ response: KubeResponse) -> Failure {
        Failure(description: "the server answered \(response.status): \(NodeJoiner.statusMessage(response.body))")
    }
}
