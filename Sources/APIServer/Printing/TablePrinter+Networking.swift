import KubeAPI

extension TablePrinter {
    static let servicePrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Type", description: "How the service is exposed."),
            TableColumn(name: "Cluster-IP", description: "The service's virtual IP inside the cluster."),
            TableColumn(name: "External-IP", description: "Addresses outside the cluster that reach the service."),
            TableColumn(name: "Port(s)", description: "Ports served (port[:nodePort]/protocol)."),
            ageColumn,
            TableColumn(name: "Selector", description: "Labels of the pods behind the service.", priority: 1),
        ]
    ) { svc, now in
        let type = string(svc, "spec", "type") ?? "ClusterIP"
        let externalIPs = array(svc, "spec", "externalIPs").compactMap(\.stringValue)
        let external: String
        switch type {
        case "ClusterIP", "NodePort":
            external = externalIPs.isEmpty ? "<none>" : externalIPs.joined(separator: ",")
        case "LoadBalancer":
            let lb = loadBalancerAddresses(svc[path: "status", "loadBalancer"])
            let all = lb + externalIPs
            external = all.isEmpty ? "<pending>" : all.joined(separator: ",")
        case "ExternalName":
            external = string(svc, "spec", "externalName") ?? ""
        default:
            external = "<unknown>"
        }
        let ports = array(svc, "spec", "ports").map { port -> String in
            let number = port["port"]?.intValue ?? 0
            let proto = port["protocol"]?.stringValue ?? "TCP"
            if let nodePort = port["nodePort"]?.intValue, nodePort != 0 { return "\(number):\(nodePort)/\(proto)" }
            return "\(number)/\(proto)"
        }
        return [
            name(svc), .string(type), orNone(string(svc, "spec", "clusterIP")), .string(external),
            orNone(ports.joined(separator: ",")), age(svc, now), .string(formatLabels(svc[path: "spec", "selector"])),
        ]
    }

    /// The IPs or host names of a load balancer status's ingress points.
    static func loadBalancerAddresses(_ status: JSONValue?) -> [String] {
        (status?["ingress"]?.arrayValue ?? []).compactMap { ingress in
            if let ip = ingress["ip"]?.stringValue, !ip.isEmpty { return ip }
            if let host = ingress["hostname"]?.stringValue, !host.isEmpty { return host }
            return nil
        }
    }

    static let endpointsPrinter = Printer(
        columns: [nameColumn, TableColumn(name: "Endpoints", description: "Ready endpoint addresses (ip:port)."), ageColumn]
    ) { ep, now in
        [name(ep), .string(formatEndpoints(ep)), age(ep, now)]
    }

    /// Up to three `ip:port` endpoints, then `+ N more...`; `<none>` without subsets.
    static func formatEndpoints(_ endpoints: JSONValue) -> String {
        let subsets = array(endpoints, "subsets")
        guard !subsets.isEmpty else { return "<none>" }
        let limit = 3
        var list: [String] = []
        var count = 0
        var more = false
        func add(_ text: String) {
            if list.count == limit { more = true }
            if !more { list.append(text) }
            count += 1
        }
        for subset in subsets {
            let addresses = (subset["addresses"]?.arrayValue ?? []).map { $0["ip"]?.stringValue ?? "" }
            let ports = subset["ports"]?.arrayValue ?? []
            if ports.isEmpty {
                addresses.forEach(add)
            } else {
                for port in ports {
                    let number = port["port"]?.intValue ?? 0
                    for ip in addresses { add(ip.contains(":") ? "[\(ip)]:\(number)" : "\(ip):\(number)") }
                }
            }
        }
        let text = list.joined(separator: ",")
        return more ? "\(text) + \(count - limit) more..." : text
    }

    static let ingressPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Class", description: "The ingress class."),
            TableColumn(name: "Hosts", description: "Host names the rules match."),
            TableColumn(name: "Address", description: "Addresses of the load balancer."),
            TableColumn(name: "Ports", description: "Ports served."),
            ageColumn,
        ]
    ) { ing, now in
        let rules = array(ing, "spec", "rules")
        var hosts: [String] = []
        var more = false
        for rule in rules {
            if hosts.count == 3 { more = true }
            if !more, let host = rule["host"]?.stringValue, !host.isEmpty { hosts.append(host) }
        }
        var hostText = hosts.isEmpty ? "*" : hosts.joined(separator: ",")
        if more { hostText += " + \(rules.count - 3) more..." }
        let ports = array(ing, "spec", "tls").isEmpty ? "80" : "80, 443"
        return [
            name(ing), orNone(string(ing, "spec", "ingressClassName")), .string(hostText),
            .string(loadBalancerAddresses(ing[path: "status", "loadBalancer"]).joined(separator: ",")), .string(ports), age(ing, now),
        ]
    }

    static let ingressClassPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Controller", description: "The controller that implements the class."),
            TableColumn(name: "Parameters", description: "The class's parameters resource (Kind.group/name)."),
            ageColumn,
        ]
    ) { ingressClass, now in
        var parameters = "<none>"
        if let reference = ingressClass[path: "spec", "parameters"], reference.objectValue != nil {
            parameters = reference["kind"]?.stringValue ?? ""
            if let group = reference["apiGroup"]?.stringValue { parameters += "." + group }
            parameters += "/" + (reference["name"]?.stringValue ?? "")
        }
        return [name(ingressClass), .string(string(ingressClass, "spec", "controller") ?? ""), .string(parameters), age(ingressClass, now)]
    }

    static let networkPolicyPrinter = Printer(
        columns: [
            nameColumn,
            TableColumn(name: "Pod-Selector", description: "The pods the policy applies to."),
            ageColumn,
        ]
    ) { policy, now in
        [name(policy), .string(formatSelector(policy[path: "spec", "podSelector"])), age(policy, now)]
    }
}
