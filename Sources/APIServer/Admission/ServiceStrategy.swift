import KubeAPI

/// Services (`v1`): defaults (type, session affinity, port protocols and target ports,
/// traffic policies, IP families), allocated values carried over on update, and validation.
/// Cluster IPs and node ports themselves come from ``ServiceAllocator``.
struct ServiceStrategy: ObjectStrategy {
    /// `IPv4` or `IPv6`: the family of the service network.
    var family: String = "IPv4"

    static let specOrder = [
        "ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity",
        "loadBalancerIP", "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy",
        "healthCheckNodePort", "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies",
        "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass",
        "internalTrafficPolicy", "trafficDistribution",
    ]
    static let portOrder = ["name", "protocol", "appProtocol", "port", "targetPort", "nodePort"]
    static let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]

    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        if let old { Self.carryAllocatedValues(&object, old: old) }
        let family = self.family
        object.withObject("spec", create: true) { spec in
            spec.setDefault("type", "ClusterIP")
            spec.setDefault("sessionAffinity", "None")
            let type = spec.string("type")
            if spec.string("sessionAffinity") == "None" { spec.setMember("sessionAffinityConfig", nil) }
            if spec.string("sessionAffinity") == "ClientIP" {
                spec.withObject("sessionAffinityConfig", create: true) { config in
                    config.withObject("clientIP", create: true) { $0.setDefault("timeoutSeconds", 10800) }
                }
            }
            spec.withEachElement("ports") { port, _ in
                port.setDefault("protocol", "TCP")
                let target = port["targetPort"]
                if JSONValue.isUnset(target) || target?.intValue == 0, let number = port["port"] {
                    port.setMember("targetPort", number)
                }
                port.reorder(Self.portOrder)
            }
            let externallyAccessible = type == "NodePort" || type == "LoadBalancer"
                || (type == "ClusterIP" && !spec.elements("externalIPs").isEmpty)
            if externallyAccessible { spec.setDefault("externalTrafficPolicy", "Cluster") }
            if type != "ExternalName" { spec.setDefault("internalTrafficPolicy", "Cluster") }
            if type == "LoadBalancer" { spec.setDefault("allocateLoadBalancerNodePorts", true) }
            // clusterIP and clusterIPs describe the same first address.
            let clusterIP = spec.string("clusterIP")
            let clusterIPs = spec.elements("clusterIPs")
            if clusterIP.isEmpty, let first = clusterIPs.first?.stringValue {
                spec.setMember("clusterIP", .string(first))
            } else if !clusterIP.isEmpty && clusterIPs.isEmpty {
                spec.setMember("clusterIPs", [.string(clusterIP)])
            }
            if type != "ExternalName" {
                let headlessSelectorless = spec.string("clusterIP") == "None" && (spec["selector"]?.objectValue ?? [:]).isEmpty
                if JSONValue.isUnset(spec["ipFamilyPolicy"]) {
                    spec.setMember("ipFamilyPolicy", old?[path: "spec", "ipFamilyPolicy"].flatMap { JSONValue.isUnset($0) ? nil : $0 }
                        ?? (headlessSelectorless ? "RequireDualStack" : "SingleStack"))
                }
                if spec.elements("ipFamilies").isEmpty {
                    var families: [JSONValue] = [.string(family)]
                    if headlessSelectorless && spec.string("ipFamilyPolicy") != "SingleStack" {
                        families.append(family == "IPv4" ? "IPv6" : "IPv4")
                    }
                    spec.setMember("ipFamilies", .array(families))
                }
            }
            spec.reorder(Self.specOrder)
        }
        object.withObject("status", create: true) { $0.setDefault("loadBalancer", .object([:])) }
    }

    /// On update, values the server chose (cluster IPs, node ports) that the new object leaves
    /// out are taken from the old one; fields that no longer apply after a type change are
    /// dropped when the client left them as they were.
    static func carryAllocatedValues(_ object: inout JSONValue, old: JSONValue) {
        let oldSpec = old["spec"] ?? .object([:])
        object.withObject("spec", create: true) { spec in
            let newType = spec.string("type").isEmpty ? "ClusterIP" : spec.string("type")
            let oldType = oldSpec.string("type")
            if newType != "ExternalName" && oldType != "ExternalName" {
                if JSONValue.isUnset(spec["clusterIP"]), let ip = oldSpec["clusterIP"] { spec.setMember("clusterIP", ip) }
                if spec.elements("clusterIPs").isEmpty, let ips = oldSpec["clusterIPs"] { spec.setMember("clusterIPs", ips) }
            }
            if newType == "ExternalName" && oldType != "ExternalName" {
                if spec["clusterIP"] == oldSpec["clusterIP"] { spec.setMember("clusterIP", nil) }
                if spec["clusterIPs"] == oldSpec["clusterIPs"] { spec.setMember("clusterIPs", nil) }
                if spec["ipFamilies"] == oldSpec["ipFamilies"] { spec.setMember("ipFamilies", nil) }
                if spec["ipFamilyPolicy"] == oldSpec["ipFamilyPolicy"] { spec.setMember("ipFamilyPolicy", nil) }
                if spec["internalTrafficPolicy"] == oldSpec["internalTrafficPolicy"] { spec.setMember("internalTrafficPolicy", nil) }
            }
            let nodePortTypes: Set<String> = ["NodePort", "LoadBalancer"]
            if nodePortTypes.contains(oldType) && nodePortTypes.contains(newType) {
                let used = Set(spec.elements("ports").compactMap { $0["nodePort"]?.intValue }.filter { $0 != 0 })
                var byName: [String: Int64] = [:]
                for port in oldSpec.elements("ports") { byName[port.string("name")] = port["nodePort"]?.intValue ?? 0 }
                spec.withEachElement("ports") { port, _ in
                    if (port["nodePort"]?.intValue ?? 0) == 0, let value = byName[port.string("name")], value != 0, !used.contains(value) {
                        port.setMember("nodePort", .int(value))
                        port.reorder(portOrder)
                    }
                }
                if JSONValue.isUnset(spec["healthCheckNodePort"]) || spec["healthCheckNodePort"]?.intValue == 0,
                   newType == "LoadBalancer", spec.string("externalTrafficPolicy") == "Local", let health = oldSpec["healthCheckNodePort"] {
                    spec.setMember("healthCheckNodePort", health)
                }
            } else if nodePortTypes.contains(oldType) && !nodePortTypes.contains(newType) {
                let oldPorts = oldSpec.elements("ports")
                spec.withEachElement("ports") { port, index in
                    if index < oldPorts.count, port["nodePort"] == oldPorts[index]["nodePort"] { port.setMember("nodePort", nil) }
                }
                if spec["externalTrafficPolicy"] == oldSpec["externalTrafficPolicy"] && (newType == "ClusterIP" || newType == "ExternalName") {
                    spec.setMember("externalTrafficPolicy", nil)
                }
                if spec["healthCheckNodePort"] == oldSpec["healthCheckNodePort"] { spec.setMember("healthCheckNodePort", nil) }
            }
        }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec = object["spec"], spec.objectValue != nil else { return [.required("spec")] }
        let type = spec.string("type")
        FieldChecks.oneOf(spec["type"], Self.types, "spec.type", into: &errors)
        let headless = spec.string("clusterIP") == "None"
        let ports = spec.elements("ports")
        if ports.isEmpty && !headless && type != "ExternalName" {
            errors.append(.required("spec.ports"))
        }
        var names = Set<String>()
        for (index, port) in ports.enumerated() {
            let path = "spec.ports[\(index)]"
            let name = port.string("name")
            if ports.count > 1 && name.isEmpty {
                errors.append(.required("\(path).name"))
            } else if !name.isEmpty {
                FieldChecks.dnsLabel(name, "\(path).name", into: &errors)
                if !names.insert(name).inserted { errors.append(.duplicate("\(path).name", value: .string(name))) }
            }
            FieldChecks.portNumber(port["port"], "\(path).port", zeroIsMissing: false, into: &errors)
            FieldChecks.oneOf(port["protocol"], PodSpecValidation.protocols, "\(path).protocol", into: &errors)
            FieldChecks.numberOrName(port["targetPort"], "\(path).targetPort", into: &errors)
            if let nodePort = port["nodePort"]?.intValue, nodePort != 0, type == "ClusterIP" {
                errors.append(.forbidden("\(path).nodePort", detail: "may not be used when `type` is 'ClusterIP'"))
            }
        }
        FieldChecks.oneOf(spec["sessionAffinity"], ["ClientIP", "None"], "spec.sessionAffinity", into: &errors)
        let clusterIP = spec.string("clusterIP")
        if type == "ExternalName" {
            if !clusterIP.isEmpty { errors.append(.forbidden("spec.clusterIPs", detail: "may not be set for ExternalName services")) }
            if let name = FieldChecks.requiredString(spec["externalName"], "spec.externalName", into: &errors) {
                let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
                for problem in LabelValidation.dnsSubdomainErrors(trimmed) {
                    errors.append(.invalid("spec.externalName", value: .string(name), detail: problem))
                }
            }
        } else {
            for (index, value) in spec.elements("clusterIPs").enumerated() {
                guard let ip = value.stringValue else {
                    errors.append(FieldError(kind: .typeInvalid, field: "spec.clusterIPs[\(index)]", badValue: value, detail: "must be a string"))
                    continue
                }
                if index == 0 && ip == "None" { continue }
                if IPAddress(ip) == nil {
                    errors.append(.invalid("spec.clusterIPs[\(index)]", value: .string(ip), detail: "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)"))
                }
            }
            if let first = spec.elements("clusterIPs").first?.stringValue, !clusterIP.isEmpty, first != clusterIP {
                errors.append(.invalid("spec.clusterIPs", value: spec["clusterIPs"]!, detail: "first value must match `clusterIP`"))
            }
            if headless && (type == "NodePort" || type == "LoadBalancer") {
                errors.append(.invalid("spec.clusterIPs[0]", value: "None", detail: "may not be set to 'None' for \(type) services"))
            }
        }
        if let policy = spec["externalTrafficPolicy"], !JSONValue.isUnset(policy) {
            let externallyAccessible = type == "NodePort" || type == "LoadBalancer" || (type == "ClusterIP" && !spec.elements("externalIPs").isEmpty)
            if !externallyAccessible {
                errors.append(.invalid("spec.externalTrafficPolicy", value: policy, detail: "may only be set for externally-accessible services"))
            } else {
                FieldChecks.oneOf(policy, ["Cluster", "Local"], "spec.externalTrafficPolicy", into: &errors)
            }
        }
        FieldChecks.oneOf(spec["internalTrafficPolicy"], ["Cluster", "Local"], "spec.internalTrafficPolicy", required: false, into: &errors)
        FieldChecks.oneOf(spec["ipFamilyPolicy"], ["SingleStack", "PreferDualStack", "RequireDualStack"], "spec.ipFamilyPolicy", required: false, into: &errors)
        for (index, family) in spec.elements("ipFamilies").enumerated() {
            FieldChecks.oneOf(family, ["IPv4", "IPv6"], "spec.ipFamilies[\(index)]", into: &errors)
        }
        if let selector = spec["selector"]?.objectValue {
            for (key, value) in selector {
                for problem in LabelValidation.qualifiedNameErrors(key) {
                    errors.append(.invalid("spec.selector", value: .string(key), detail: problem))
                }
                for problem in LabelValidation.labelValueErrors(value.stringValue ?? "") {
                    errors.append(.invalid("spec.selector", value: value, detail: problem))
                }
            }
        }
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        let type = object[path: "spec", "type"]?.stringValue ?? ""
        let oldType = old[path: "spec", "type"]?.stringValue ?? ""
        guard type != "ExternalName", oldType != "ExternalName" else { return errors }
        let newIPs = object[path: "spec", "clusterIPs"]?.arrayValue ?? []
        let oldIPs = old[path: "spec", "clusterIPs"]?.arrayValue ?? []
        if newIPs.first == oldIPs.first && newIPs.first == "None" { return errors }
        for (index, ip) in oldIPs.enumerated() where index < newIPs.count && newIPs[index] != ip || index == 0 && newIPs.isEmpty {
            errors.append(.invalid("spec.clusterIPs[\(index)]", value: .array(newIPs), detail: "may not change once set"))
        }
        return errors
    }
}
