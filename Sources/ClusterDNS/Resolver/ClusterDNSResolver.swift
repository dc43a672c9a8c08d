import KubeAPI

/// Answers queries from a ``DNSRecordIndex`` as CoreDNS's `kubernetes` plugin does in K3s's
/// Corefile (`kubernetes ZONE in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa
/// ip6.arpa }` followed by `forward . /etc/resolv.conf`):
///
/// - `SERVICE.NAMESPACE.svc.ZONE` A/AAAA: the cluster IPs; headless: the ready endpoints'
///   addresses; ExternalName: a CNAME (followed inside the zone, resolved upstream outside it).
/// - `_PORT._PROTO.SERVICE.NAMESPACE.svc.ZONE` SRV (and without the port labels: every port),
///   the targets' addresses in the additional section.
/// - `LABEL.SERVICE.NAMESPACE.svc.ZONE`: one endpoint by hostname or dashed address.
/// - `A-B-C-D.NAMESPACE.pod.ZONE`: the address in the name.
/// - PTR for cluster IPs and endpoint addresses; other reverse names are forwarded.
/// - NXDOMAIN for a name that does not exist, NODATA (NOERROR, no answer) for one that exists
///   without records of the type, both with the zone's SOA in the authority section.
///
/// A value type with no state of its own: call it from any thread with any index.
public struct ClusterDNSResolver: Sendable {
    /// What it answers for.
    public let configuration: ClusterDNSConfiguration
    let zone: DNSName
    let zoneLabels: [String]

    /// The TXT answer of `dns-version.ZONE` (the DNS specification's schema version).
    public static let schemaVersion = "1.1.0"

    /// Creates a resolver.
    public init(configuration: ClusterDNSConfiguration = ClusterDNSConfiguration()) {
        self.configuration = configuration
        zone = configuration.zone.lowercased()
        zoneLabels = zone.lowercasedLabels
    }

    /// Resolves `query` against `index`.
    public func resolve(_ query: DNSMessage, index: DNSRecordIndex) -> DNSResolution {
        guard query.opcode == 0 else { return .answer(query.response(code: .notImplemented)) }
        guard query.questions.count == 1, let question = query.questions.first else {
            return .answer(query.response(code: .formatError))
        }
        guard question.recordClass == dnsClassInternet || question.recordClass == DNSRecordType.any.rawValue else { return .forward }
        let labels = question.name.lowercasedLabels
        if labels.count >= zoneLabels.count, Array(labels.suffix(zoneLabels.count)) == zoneLabels {
            return answerInZone(query, question: question, relative: Array(labels.dropLast(zoneLabels.count)), index: index)
        }
        if question.type == .ptr, let address = Self.reverseAddress(labels), let names = index.reverse[address], let first = names.first {
            var response = query.response()
            response.isAuthoritative = true
            let chosen = first.isServiceAddress ? [first] : names
            response.answers = chosen.compactMap { name in
                (try? DNSName(labels: (name.relative + zoneLabels).map { Array($0.utf8) })).map {
                    DNSResourceRecord(name: question.name, ttl: configuration.ttl, data: .ptr($0))
                }
            }
            return .answer(response)
        }
        return .forward
    }

    /// The answer to a chased ExternalName: the CNAME and the upstream's answers, or NODATA when
    /// the upstream failed (`upstream` is `nil`).
    public func complete(_ response: DNSMessage, cname: DNSResourceRecord, upstream: DNSMessage?, index: DNSRecordIndex) -> DNSMessage {
        guard let upstream else { return negative(response, code: .noError, index: index) }
        var response = response
        response.answers = [cname] + upstream.answers
        response.isTruncated = upstream.isTruncated
        return response
    }

    // MARK: - The zone

    func answerInZone(_ query: DNSMessage, question: DNSQuestion, relative: [String], index: DNSRecordIndex) -> DNSResolution {
        var response = query.response()
        response.isAuthoritative = true
        let ttl = configuration.ttl
        switch question.type {
        case .a, .aaaa:
            switch addresses(for: question.name, relative: relative, type: question.type, index: index, depth: 0) {
            case .nameError: return .answer(negative(response, code: .nameError, index: index))
            case .chase(let cname, let target):
                return .chase(response: response, cname: cname, target: target, type: question.type)
            case .records(let records):
                response.answers = shuffled(records)
            }
        case .txt:
            if relative == ["dns-version"] {
                response.answers = [DNSResourceRecord(name: question.name, ttl: 28800, data: .txt([Array(Self.schemaVersion.utf8)]))]
            } else if case .records(let targets) = lookup(relative, index: index), !targets.isEmpty {
                break
            } else {
                return .answer(negative(response, code: .nameError, index: index))
            }
        case .cname:
            switch lookup(relative, index: index) {
            case .nameError: return .answer(negative(response, code: .nameError, index: index))
            case .records(let targets):
                if case .name(let target)? = targets.first?.host {
                    response.answers = [DNSResourceRecord(name: question.name, ttl: ttl, data: .cname(target))]
                }
            }
        case .srv:
            switch lookup(relative, index: index) {
            case .nameError: return .answer(negative(response, code: .nameError, index: index))
            case .records(let targets): (response.answers, response.additionals) = serviceLocations(question.name, targets)
            }
        case .soa:
            if relative.isEmpty { response.answers = [soa(owner: question.name, index: index)] }
        case .ns where relative.isEmpty:
            let server = nameserverName
            response.answers = [DNSResourceRecord(name: question.name, ttl: ttl, data: .ns(server))]
            response.additionals = configuration.nameserverAddresses.map { addressRecord(server, $0) }
        case .axfr, .ixfr:
            return .answer(query.response(code: .refused))
        default:
            // Another type (PTR, MX, NS below the apex, ...): the name exists or it does not.
            if case .nameError = addresses(for: question.name, relative: relative, type: .a, index: index, depth: 0) {
                return .answer(negative(response, code: .nameError, index: index))
            }
        }
        if response.answers.isEmpty { return .answer(negative(response, code: .noError, index: index)) }
        return .answer(response)
    }

    /// `ns.dns.ZONE`.
    var nameserverName: DNSName { DNSName(uncheckedLabels: [Array("ns".utf8), Array("dns".utf8)] + zone.labels) }

    /// NXDOMAIN, NODATA (code `.noError`) or, for a name error before the first sync, SERVFAIL;
    /// always with the SOA.
    func negative(_ response: DNSMessage, code: DNSResponseCode, index: DNSRecordIndex) -> DNSMessage {
        var response = response
        response.responseCode = code == .nameError && !index.hasSynced ? .serverFailure : code
        response.answers = []
        response.additionals = []
        let owner = response.questions.first.map { $0.name.droppingFirst($0.name.labels.count - zone.labels.count) } ?? zone
        response.authorities = [soa(owner: owner.isSubdomain(of: zone) ? owner : zone, index: index)]
        return response
    }

    func soa(owner: DNSName, index: DNSRecordIndex) -> DNSResourceRecord {
        let ttl = configuration.ttl
        return DNSResourceRecord(
            name: owner, ttl: min(ttl, 300),
            data: .soa(DNSSOA(
                primary: nameserverName, mailbox: DNSName(uncheckedLabels: [Array("hostmaster".utf8)] + zone.labels),
                serial: index.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl)))
    }

    func addressRecord(_ owner: DNSName, _ address: IPAddress) -> DNSResourceRecord {
        DNSResourceRecord(name: owner, ttl: configuration.ttl, data: address.family == .ipv4 ? .a(address) : .aaaa(address))
    }

    func shuffled(_ records: [DNSResourceRecord]) -> [DNSResourceRecord] {
        guard configuration.shuffleAddresses, records.count > 1, records.allSatisfy({ $0.type == .a || $0.type == .aaaa }) else { return records }
        return records.shuffled()
    }

    // MARK: - Reverse names

    /// The address of `d.c.b.a.in-addr.arpa` or of the 32 nibbles of an `ip6.arpa` name.
    static func reverseAddress(_ labels: [String]) -> IPAddress? {
        if labels.count == 6, labels[4] == "in-addr", labels[5] == "arpa" {
            var value: UInt32 = 0
            for label in labels[0..<4].reversed() {
                guard label.count <= 3, label.allSatisfy(\.isASCII), let byte = UInt8(label), label == String(byte) else { return nil }
                value = value << 8 | UInt32(byte)
            }
            return IPAddress(ipv4: value)
        }
        if labels.count == 34, labels[32] == "ip6", labels[33] == "arpa" {
            var value: UInt128 = 0
            for label in labels[0..<32].reversed() {
                guard label.count == 1, let nibble = UInt8(label, radix: 16) else { return nil }
                value = value << 4 | UInt128(nibble)
            }
            return IPAddress(ipv6: value)
        }
        return nil
    }
}
