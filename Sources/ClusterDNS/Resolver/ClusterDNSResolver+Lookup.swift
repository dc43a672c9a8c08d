import KubeAPI

extension ClusterDNSResolver {
    /// What a name under the zone stands for.
    enum Lookup {
        /// The name exists; these are its targets (none: it exists with no records).
        case records([Target])
        /// The name does not exist.
        case nameError
    }

    /// One thing a name resolves to.
    struct Target {
        enum Host {
            case address(IPAddress)
            case name(DNSName)
        }

        var host: Host
        /// The port (SRV); `nil` for none.
        var port: Int?
        /// The SRV target's labels under the zone.
        var relative: [String]
    }

    /// The outcome of an A/AAAA lookup.
    enum AddressResult {
        case records([DNSResourceRecord])
        case nameError
        /// An ExternalName pointing outside the zone.
        case chase(DNSResourceRecord, DNSName)
    }

    /// The targets of `relative` (the name's labels under the zone, lower case), parsed as
    /// `[_PORT._PROTO.|ENDPOINT.]NAME.NAMESPACE.(svc|pod)`.
    func lookup(_ relative: [String], index: DNSRecordIndex) -> Lookup {
        // The zone and `svc.ZONE`/`pod.ZONE` exist without records.
        if relative.isEmpty || relative == ["svc"] || relative == ["pod"] { return .records([]) }
        guard let kind = relative.last, kind == "svc" || kind == "pod" else { return .nameError }
        let count = relative.count
        let namespace = relative[count - 2]
        guard index.namespaces.contains(namespace) else { return .nameError }
        if count == 2 { return .records([]) }
        let name = relative[count - 3]
        var endpoint: String?
        var port: String?
        var proto: String?
        switch count {
        case 3: break
        case 4: endpoint = relative[0]
        case 5:
            port = Self.strippingUnderscore(relative[0])
            proto = Self.strippingUnderscore(relative[1])
        default: return .nameError
        }
        if kind == "pod" {
            guard configuration.podRecords, let address = Self.podAddress(name) else { return .nameError }
            return .records([Target(host: .address(address), port: nil, relative: [name, namespace, "pod"])])
        }
        guard let service = index.services[DNSRecordIndex.key(name: name, namespace: namespace)] else { return .nameError }
        let serviceLabels = [service.name.lowercased(), service.namespace.lowercased(), "svc"]
        var found = false
        var targets: [Target] = []
        if case .externalName(let target) = service.kind {
            guard endpoint == nil, port == nil, proto == nil else { return .nameError }
            return .records([Target(host: .name(target), port: nil, relative: serviceLabels)])
        }
        if case .clusterIP(let addresses) = service.kind, endpoint == nil {
            for candidate in service.ports where Self.matches(port, proto, candidate) {
                found = true
                targets += addresses.map { Target(host: .address($0), port: candidate.number, relative: serviceLabels) }
            }
        } else {
            // Headless, or one endpoint of any Service by its label.
            for address in service.endpoints where endpoint == nil || address.label == endpoint {
                for candidate in address.ports where Self.matches(port, proto, candidate) {
                    found = true
                    targets.append(Target(host: .address(address.address), port: candidate.number, relative: [address.label] + serviceLabels))
                }
            }
        }
        return found ? .records(targets) : .nameError
    }

    /// The A or AAAA records of `name`, following CNAMEs inside the zone (8 at most).
    func addresses(for name: DNSName, relative: [String], type: DNSRecordType, index: DNSRecordIndex, depth: Int) -> AddressResult {
        let family: IPAddress.Family = type == .aaaa ? .ipv6 : .ipv4
        if relative == ["ns", "dns"] {
            return .records(configuration.nameserverAddresses.filter { $0.family == family }.map { addressRecord(name, $0) })
        }
        guard case .records(let targets) = lookup(relative, index: index) else { return .nameError }
        var records: [DNSResourceRecord] = []
        var seen: Set<IPAddress> = []
        for target in targets {
            switch target.host {
            case .address(let address):
                if address.family == family, seen.insert(address).inserted { records.append(addressRecord(name, address)) }
            case .name(let alias):
                guard alias != name else { continue }
                let cname = DNSResourceRecord(name: name, ttl: configuration.ttl, data: .cname(alias))
                guard alias.isSubdomain(of: zone) else { return .chase(cname, alias) }
                guard depth < 8 else { continue }
                let aliasRelative = Array(alias.lowercasedLabels.dropLast(zoneLabels.count))
                if case .records(let next) = addresses(for: alias, relative: aliasRelative, type: type, index: index, depth: depth + 1), !next.isEmpty {
                    records.append(cname)
                    records += next
                }
            }
        }
        return .records(records)
    }

    /// SRV records of `targets` (ExternalName targets left out, as upstream) and the targets'
    /// addresses; weights split 100 evenly.
    func serviceLocations(_ owner: DNSName, _ targets: [Target]) -> (answers: [DNSResourceRecord], additionals: [DNSResourceRecord]) {
        let located = targets.filter { if case .address = $0.host { $0.port != nil } else { false } }
        guard !located.isEmpty else { return ([], []) }
        let weight = UInt16(100 / located.count)
        var answers: [DNSResourceRecord] = []
        var additionals: [DNSResourceRecord] = []
        var seenLocations: Set<[String]> = []
        var seenAddresses: Set<[String]> = []
        for target in located {
            guard case .address(let address) = target.host, let port = target.port, (0...65535).contains(port),
                let name = try? DNSName(labels: (target.relative + zoneLabels).map { Array($0.utf8) })
            else { continue }
            if seenLocations.insert(target.relative + [String(port)]).inserted {
                answers.append(DNSResourceRecord(
                    name: owner, ttl: configuration.ttl, data: .srv(priority: 0, weight: weight, port: UInt16(port), target: name)))
            }
            if seenAddresses.insert(target.relative + [address.description]).inserted {
                additionals.append(addressRecord(name, address))
            }
        }
        return (answers, additionals)
    }

    /// Whether a port matches the query's `_port` and `_proto` labels (absent labels match all).
    static func matches(_ port: String?, _ proto: String?, _ candidate: DNSServiceRecord.Port) -> Bool {
        (port == nil || port == candidate.name.lowercased()) && (proto == nil || proto == candidate.protocol.lowercased())
    }

    static func strippingUnderscore(_ label: String) -> String {
        label.hasPrefix("_") ? String(label.dropFirst()) : label
    }

    /// The address in a pod name: `10-42-0-5` (three dashes, none doubled) is IPv4, anything else
    /// IPv6 with `-` for `:`.
    static func podAddress(_ label: String) -> IPAddress? {
        let dashes = label.filter { $0 == "-" }.count
        if dashes == 3, !label.contains("--") { return IPAddress(label.replacingDashes(with: ".")) }
        return IPAddress(label.replacingDashes(with: ":"))
    }
}

extension String {
    func replacingDashes(with character: Character) -> String {
        String(map { $0 == "-" ? character : $0 })
    }
}
