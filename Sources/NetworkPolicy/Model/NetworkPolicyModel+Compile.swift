import KubeAPI

extension NetworkPolicyModel {
    /// A policy with its selectors read and its peers resolved to pods.
    struct CompiledPolicy {
        var namespace: String
        var selector: LabelSelector
        /// `nil` when the policy does not isolate for ingress.
        var ingress: [CompiledRule]?
        /// `nil` when the policy does not isolate for egress.
        var egress: [CompiledRule]?
    }

    /// A peer before ports are applied: pods keep their named ports for egress resolution.
    enum CompiledPeer {
        case any
        /// The pods, and the peer of their addresses (computed once).
        case pods([PolicyPod], PolicyPeer)
        case block(IPPrefix, except: [IPPrefix])

        static func pods(_ pods: [PolicyPod]) -> CompiledPeer { .pods(pods, .pods(pods.flatMap(\.addresses))) }

        var peer: PolicyPeer {
            switch self {
            case .any: return .any
            case .pods(_, let peer): return peer
            case .block(let prefix, let except): return .block(prefix, except: except)
            }
        }
    }

    /// A port of a rule: a number or range, or a container port's name.
    enum CompiledPort {
        case numbered(PolicyPortRange)
        case named(String, PolicyProtocol)
    }

    /// One ingress or egress rule: its peers (`[.any]` without `from`/`to`) and ports (`nil`
    /// for every port).
    struct CompiledRule {
        var peers: [CompiledPeer]
        var ports: [CompiledPort]?

        var numbered: [PolicyPortRange] {
            (ports ?? []).compactMap { if case .numbered(let range) = $0 { return range } else { return nil } }
        }

        /// What the rule allows into `pod`: named ports resolve on `pod`.
        func ingressAllowances(to pod: PolicyPod) -> [PolicyAllowance] {
            var ranges: [PolicyPortRange]?
            if let ports {
                ranges = ports.flatMap { port -> [PolicyPortRange] in
                    switch port {
                    case .numbered(let range): return [range]
                    case .named(let name, let proto): return pod.ports(named: name, protocol: proto).map { PolicyPortRange(proto, $0) }
                    }
                }
                // Ports were given and none exists on this pod: the rule allows nothing.
                if ranges?.isEmpty == true { return [] }
            }
            return peers.map(\.peer).filter { !$0.isEmpty }.map { PolicyAllowance(peer: $0, ports: ranges) }
        }

        /// What the rule allows out: named ports resolve on each peer pod (every pod of the
        /// cluster for a rule without `to`; none for an `ipBlock`).
        func egressAllowances(allPods: [PolicyPod]) -> [PolicyAllowance] {
            guard let ports else { return peers.map(\.peer).filter { !$0.isEmpty }.map { PolicyAllowance(peer: $0, ports: nil) } }
            var result: [PolicyAllowance] = []
            let numbered = self.numbered
            for peer in peers {
                let compiled = peer.peer
                if !numbered.isEmpty, !compiled.isEmpty { result.append(PolicyAllowance(peer: compiled, ports: numbered)) }
                let candidates: [PolicyPod]
                switch peer {
                case .any: candidates = allPods
                case .pods(let pods, _): candidates = pods
                case .block: candidates = []
                }
                for case .named(let name, let proto) in ports {
                    var byPort: [Int: [IPAddress]] = [:]
                    for pod in candidates {
                        for number in Set(pod.ports(named: name, protocol: proto)) { byPort[number, default: []] += pod.addresses }
                    }
                    for (number, addresses) in byPort {
                        result.append(PolicyAllowance(peer: .pods(addresses), ports: [PolicyPortRange(proto, number)]))
                    }
                }
            }
            return result
        }
    }

    /// The policy types a policy isolates for: `policyTypes`, or by default `Ingress` and, when
    /// it has egress rules, `Egress`.
    static func policyTypes(_ spec: NetworkingV1.NetworkPolicySpec) -> (ingress: Bool, egress: Bool) {
        if let types = spec.policyTypes, !types.isEmpty { return (types.contains("Ingress"), types.contains("Egress")) }
        return (true, !(spec.egress ?? []).isEmpty)
    }

    /// The pods by namespace and the namespaces' labels, looked up by every peer of a sync.
    struct Index {
        var podsByNamespace: [String: [PolicyPod]]
        var namespaceLabels: [String: [String: String]]
    }

    /// The index of this model's pods and namespaces.
    var lookup: Index {
        let podsByNamespace = Dictionary(grouping: pods, by: \.namespace)
        var labels: [String: [String: String]] = [:]
        for name in Set(namespaceLabels.keys).union(podsByNamespace.keys) {
            labels[name, default: namespaceLabels[name] ?? [:]][Self.namespaceNameLabel] = name
        }
        return Index(podsByNamespace: podsByNamespace, namespaceLabels: labels)
    }

    func compile(_ policy: NetworkingV1.NetworkPolicy, lookup: Index, problems: inout [String]) -> CompiledPolicy? {
        let namespace = policy.metadata.namespace ?? "default"
        let name = "\(namespace)/\(policy.metadata.name ?? "")"
        let spec = policy.spec ?? .init()
        let selector: LabelSelector
        do {
            // A missing podSelector is the empty one: every pod of the namespace.
            selector = try LabelSelector(spec.podSelector ?? .init())
        } catch {
            problems.append("NetworkPolicy \(name): podSelector: \(error); policy ignored")
            return nil
        }
        let types = Self.policyTypes(spec)
        var result = CompiledPolicy(namespace: namespace, selector: selector)
        if types.ingress {
            result.ingress = (spec.ingress ?? []).enumerated().map { index, rule in
                compileRule(peers: rule.from, ports: rule.ports, namespace: namespace, lookup: lookup, context: "\(name) ingress[\(index)]", problems: &problems)
            }
        }
        if types.egress {
            result.egress = (spec.egress ?? []).enumerated().map { index, rule in
                compileRule(peers: rule.to, ports: rule.ports, namespace: namespace, lookup: lookup, context: "\(name) egress[\(index)]", problems: &problems)
            }
        }
        return result
    }

    func compileRule(
        peers: [NetworkingV1.NetworkPolicyPeer]?, ports: [NetworkingV1.NetworkPolicyPort]?, namespace: String, lookup: Index,
        context: String, problems: inout [String]
    ) -> CompiledRule {
        var compiledPeers: [CompiledPeer] = [.any]
        if let peers, !peers.isEmpty {
            compiledPeers = peers.enumerated().compactMap { index, peer in
                compilePeer(peer, namespace: namespace, lookup: lookup, context: "\(context) peer \(index)", problems: &problems)
            }
        }
        var compiledPorts: [CompiledPort]?
        if let ports, !ports.isEmpty {
            compiledPorts = ports.enumerated().compactMap { index, port in
                compilePort(port, context: "\(context) port \(index)", problems: &problems)
            }
        }
        return CompiledRule(peers: compiledPeers, ports: compiledPorts)
    }

    func compilePeer(
        _ peer: NetworkingV1.NetworkPolicyPeer, namespace: String, lookup: Index, context: String, problems: inout [String]
    ) -> CompiledPeer? {
        if let block = peer.ipBlock {
            guard let cidr = block.cidr.flatMap({ IPPrefix($0) }) else {
                problems.append("NetworkPolicy \(context): ipBlock cidr \(block.cidr ?? "(none)") is not a CIDR")
                return nil
            }
            var except: [IPPrefix] = []
            for text in block.except ?? [] {
                guard let prefix = IPPrefix(text) else {
                    problems.append("NetworkPolicy \(context): ipBlock except \(text) is not a CIDR")
                    return nil
                }
                if prefix.family == cidr.family { except.append(prefix.masked) }
            }
            return .block(cidr.masked, except: Array(Set(except)).sorted())
        }
        guard peer.podSelector != nil || peer.namespaceSelector != nil else {
            problems.append("NetworkPolicy \(context): a peer needs a podSelector, a namespaceSelector or an ipBlock")
            return nil
        }
        do {
            let podSelector = try peer.podSelector.map { try LabelSelector($0) } ?? .everything
            var namespaces = [namespace]
            if let namespaceSelector = peer.namespaceSelector {
                let selector = try LabelSelector(namespaceSelector)
                namespaces = lookup.namespaceLabels.filter { selector.matches($0.value) }.map(\.key).sorted()
            }
            return .pods(namespaces.flatMap { lookup.podsByNamespace[$0] ?? [] }.filter { podSelector.matches($0.labels) })
        } catch {
            problems.append("NetworkPolicy \(context): \(error)")
            return nil
        }
    }

    func compilePort(_ port: NetworkingV1.NetworkPolicyPort, context: String, problems: inout [String]) -> CompiledPort? {
        guard let proto = PolicyProtocol(apiValue: port.protocol) else {
            problems.append("NetworkPolicy \(context): protocol \(port.protocol ?? "") is not TCP, UDP or SCTP")
            return nil
        }
        switch port.port {
        case nil:
            return .numbered(.all(proto))
        case .string(let name):
            if let number = Int(name) { return numbered(proto, number, port.endPort, context: context, problems: &problems) }
            return .named(name, proto)
        case .int(let number):
            return numbered(proto, number, port.endPort, context: context, problems: &problems)
        }
    }

    func numbered(_ proto: PolicyProtocol, _ number: Int, _ endPort: Int?, context: String, problems: inout [String]) -> CompiledPort? {
        let end = endPort ?? number
        guard (1...65535).contains(number), (number...65535).contains(end) else {
            problems.append("NetworkPolicy \(context): port \(number)\(endPort.map { "-\($0)" } ?? "") is not a valid port or range")
            return nil
        }
        return .numbered(PolicyPortRange(proto, number...end))
    }
}
