import KubeAPI
import Synchronization

/// Reserves cluster IPs (from the service CIDR) and node ports for Services, as the upstream
/// service registry does: a requested value is honoured or refused (422), a missing one is
/// picked; type changes allocate or (after the write) release; deletes release. The first
/// service IP is reserved for the `kubernetes` Service.
public final class ServiceAllocator: ObjectAllocator {
    /// The service network.
    public let serviceIPRange: ServiceIPRange
    /// The node port range (`--service-node-port-range`).
    public let nodePortRange: ClosedRange<Int>
    let ips: RangeAllocator
    let ports: RangeAllocator

    /// Creates an allocator with nothing taken (call ``rebuild(from:)`` with the stored
    /// Services before serving).
    public init(serviceIPRange: ServiceIPRange = .default, nodePortRange: ClosedRange<Int> = 30000...32767) {
        self.serviceIPRange = serviceIPRange
        self.nodePortRange = nodePortRange
        self.ips = RangeAllocator(first: 1, last: serviceIPRange.lastUsableOffset, reserved: [1])
        self.ports = RangeAllocator(first: UInt64(max(0, nodePortRange.lowerBound)), last: UInt64(max(0, nodePortRange.upperBound)))
    }

    /// How many cluster IPs are taken.
    public var allocatedIPCount: Int { ips.count }
    /// How many node ports are taken.
    public var allocatedNodePortCount: Int { ports.count }

    /// Whether an address is taken.
    public func isAllocated(ip: String) -> Bool { offset(of: ip).map(ips.isAllocated) ?? false }
    /// Whether a node port is taken.
    public func isAllocated(nodePort: Int) -> Bool { nodePort >= 0 && ports.isAllocated(UInt64(nodePort)) }

    // MARK: - What a Service holds

    static func needsClusterIP(_ service: JSONValue) -> Bool {
        service[path: "spec", "type"]?.stringValue != "ExternalName"
    }

    static func isHeadless(_ service: JSONValue) -> Bool {
        service[path: "spec", "clusterIP"]?.stringValue == "None"
    }

    static func needsNodePorts(_ service: JSONValue) -> Bool {
        let type = service[path: "spec", "type"]?.stringValue ?? ""
        return type == "NodePort" || type == "LoadBalancer"
    }

    /// Whether missing node ports are picked (LoadBalancers may opt out).
    static func allocatesNodePorts(_ service: JSONValue) -> Bool {
        let type = service[path: "spec", "type"]?.stringValue ?? ""
        if type == "NodePort" { return true }
        return type == "LoadBalancer" && service[path: "spec", "allocateLoadBalancerNodePorts"]?.boolValue != false
    }

    static func needsHealthCheckPort(_ service: JSONValue) -> Bool {
        service[path: "spec", "type"]?.stringValue == "LoadBalancer" && service[path: "spec", "externalTrafficPolicy"]?.stringValue == "Local"
    }

    /// The cluster IP offsets a stored Service holds.
    func heldIPs(_ service: JSONValue) -> [UInt64] {
        guard Self.needsClusterIP(service), !Self.isHeadless(service) else { return [] }
        var addresses = (service[path: "spec", "clusterIPs"]?.arrayValue ?? []).compactMap(\.stringValue)
        if let ip = service[path: "spec", "clusterIP"]?.stringValue, !addresses.contains(ip) { addresses.append(ip) }
        return addresses.compactMap(offset(of:))
    }

    /// The offset of a cluster IP written in a Service, if it is a usable address of the range.
    func offset(of text: String) -> UInt64? {
        IPAddress(text).flatMap(serviceIPRange.offset(of:))
    }

    /// The node ports a stored Service holds.
    func heldPorts(_ service: JSONValue) -> Set<UInt64> {
        var held = Set<UInt64>()
        for port in service[path: "spec", "ports"]?.arrayValue ?? [] {
            if let number = port["nodePort"]?.intValue, number > 0 { held.insert(UInt64(number)) }
        }
        if let health = service[path: "spec", "healthCheckNodePort"]?.intValue, health > 0 { held.insert(UInt64(health)) }
        return held
    }

    // MARK: - ObjectAllocator

    public func allocate(_ object: inout JSONValue, old: JSONValue?, dryRun: Bool) async throws -> AllocationTransaction {
        let work = Work(dryRun: dryRun)
        do {
            try allocateClusterIP(&object, old: old, work: work)
            try allocateNodePorts(&object, old: old, work: work)
        } catch {
            work.revert(self)
            throw error
        }
        return AllocationTransaction(commit: { work.commit(self) }, revert: { work.revert(self) })
    }

    public func release(_ object: JSONValue) async {
        for offset in heldIPs(object) { ips.release(offset) }
        for port in heldPorts(object) { ports.release(port) }
    }

    public func rebuild(from objects: [JSONValue]) async {
        for object in objects {
            ips.mark(heldIPs(object))
            ports.mark(heldPorts(object))
        }
    }

    /// What one write reserved and will release.
    final class Work: Sendable {
        let dryRun: Bool
        struct State { var newIPs: [UInt64] = []; var newPorts: [UInt64] = []; var oldIPs: [UInt64] = []; var oldPorts: [UInt64] = []; var finished = false }
        let state = Mutex(State())
        init(dryRun: Bool) { self.dryRun = dryRun }

        func reserved(ip: UInt64) { if !dryRun { state.withLock { $0.newIPs.append(ip) } } }
        func reserved(port: UInt64) { if !dryRun { state.withLock { $0.newPorts.append(port) } } }
        func releaseLater(ip: UInt64) { if !dryRun { state.withLock { $0.oldIPs.append(ip) } } }
        func releaseLater(port: UInt64) { if !dryRun { state.withLock { $0.oldPorts.append(port) } } }

        func commit(_ allocator: ServiceAllocator) {
            let state = self.state.withLock { state in
                defer { state.finished = true }
                return state.finished ? State() : state
            }
            for ip in state.oldIPs { allocator.ips.release(ip) }
            for port in state.oldPorts { allocator.ports.release(port) }
        }

        func revert(_ allocator: ServiceAllocator) {
            let state = self.state.withLock { state in
                defer { state.finished = true }
                return state.finished ? State() : state
            }
            for ip in state.newIPs { allocator.ips.release(ip) }
            for port in state.newPorts { allocator.ports.release(port) }
        }
    }

    // MARK: - Cluster IPs

    func allocateClusterIP(_ object: inout JSONValue, old: JSONValue?, work: Work) throws {
        let name = object.metadataString("name")
        if let old {
            let wasExternal = !Self.needsClusterIP(old)
            let isExternal = !Self.needsClusterIP(object)
            if !wasExternal && isExternal {
                for offset in heldIPs(old) { work.releaseLater(ip: offset) }
                return
            }
            guard wasExternal && !isExternal else { return }
        }
        guard Self.needsClusterIP(object), !Self.isHeadless(object) else { return }
        let requested = object[path: "spec", "clusterIP"]?.stringValue ?? ""
        let chosen: String
        if requested.isEmpty {
            do {
                let offset = try ips.allocateNext(dryRun: work.dryRun)
                work.reserved(ip: offset)
                chosen = serviceIPRange.address(at: offset).description
            } catch {
                throw StatusError.internalError("failed to allocate a serviceIP: range is full")
            }
        } else {
            let clusterIPs = object[path: "spec", "clusterIPs"] ?? .array([.string(requested)])
            guard let offset = self.offset(of: requested) else {
                throw StatusError.invalid(GroupKind(group: "", kind: "Service"), name: name, errors: [
                    .invalid("spec.clusterIPs", value: clusterIPs, detail: "failed to allocate IP \(requested): the provided IP (\(requested)) is not in the valid range. The range of valid IPs is \(serviceIPRange)"),
                ])
            }
            do {
                try ips.allocate(offset, dryRun: work.dryRun)
                work.reserved(ip: offset)
            } catch {
                throw StatusError.invalid(GroupKind(group: "", kind: "Service"), name: name, errors: [
                    .invalid("spec.clusterIPs", value: clusterIPs, detail: "failed to allocate IP \(requested): provided IP is already allocated"),
                ])
            }
            chosen = serviceIPRange.address(at: offset).description
        }
        object.withObject("spec") { spec in
            spec.setMember("clusterIP", .string(chosen))
            spec.setMember("clusterIPs", [.string(chosen)])
            spec.reorder(ServiceStrategy.specOrder)
        }
    }

    // MARK: - Node ports

    func allocateNodePorts(_ object: inout JSONValue, old: JSONValue?, work: Work) throws {
        let name = object.metadataString("name")
        let oldHeld = old.map(heldPorts) ?? []
        let needs = Self.needsNodePorts(object)
        let picks = Self.allocatesNodePorts(object)
        var kept = Set<UInt64>()
        var byServicePort: [Int64: Int64] = [:]
        let needsHealthCheck = Self.needsHealthCheckPort(object)
        var failure: StatusError?
        object.withObject("spec") { spec in
            spec.withEachElement("ports") { port, index in
                guard failure == nil, needs else { return }
                let requested = port["nodePort"]?.intValue ?? 0
                let servicePort = port["port"]?.intValue ?? 0
                if requested == 0 && !picks { return }
                if requested != 0 {
                    let value = UInt64(max(0, requested))
                    if oldHeld.contains(value) || kept.contains(value) {
                        kept.insert(value)
                        byServicePort[servicePort] = requested
                        return
                    }
                    do throws(RangeAllocator.Failure) {
                        try ports.allocate(value, dryRun: work.dryRun)
                        work.reserved(port: value)
                        kept.insert(value)
                        byServicePort[servicePort] = requested
                    } catch {
                        let detail = error == .notInRange
                            ? "provided port is not in the valid range. The range of valid ports is \(nodePortRange.lowerBound)-\(nodePortRange.upperBound)"
                            : "provided port is already allocated"
                        failure = StatusError.invalid(GroupKind(group: "", kind: "Service"), name: name, errors: [
                            .invalid("spec.ports[\(index)].nodePort", value: .int(requested), detail: detail),
                        ])
                    }
                    return
                }
                if let shared = byServicePort[servicePort] {
                    port.setMember("nodePort", .int(shared))
                    return
                }
                do {
                    let value = try ports.allocateNext(dryRun: work.dryRun)
                    work.reserved(port: value)
                    kept.insert(value)
                    byServicePort[servicePort] = Int64(value)
                    port.setMember("nodePort", .int(Int64(value)))
                    port.reorder(ServiceStrategy.portOrder)
                } catch {
                    failure = StatusError.internalError("failed to allocate a nodePort: range is full")
                }
            }
            if failure == nil, needs, needsHealthCheck {
                let requested = spec["healthCheckNodePort"]?.intValue ?? 0
                if requested != 0 {
                    let value = UInt64(max(0, requested))
                    if !oldHeld.contains(value) {
                        do throws(RangeAllocator.Failure) {
                            try ports.allocate(value, dryRun: work.dryRun)
                            work.reserved(port: value)
                        } catch {
                            failure = StatusError.internalError("failed to allocate requested HealthCheck NodePort \(requested): \(error == .notInRange ? "provided port is not in the valid range. The range of valid ports is \(nodePortRange.lowerBound)-\(nodePortRange.upperBound)" : "provided port is already allocated")")
                        }
                    }
                    kept.insert(value)
                } else {
                    do {
                        let value = try ports.allocateNext(dryRun: work.dryRun)
                        work.reserved(port: value)
                        kept.insert(value)
                        spec.setMember("healthCheckNodePort", .int(Int64(value)))
                        spec.reorder(ServiceStrategy.specOrder)
                    } catch {
                        failure = StatusError.internalError("failed to allocate a HealthCheck NodePort 0: range is full")
                    }
                }
            }
        }
        if let failure { throw failure }
        for port in oldHeld where !kept.contains(port) { work.releaseLater(port: port) }
    }
}

extension RangeAllocator.Failure: CustomStringConvertible {
    var description: String {
        switch self {
        case .allocated: return "provided value is already allocated"
        case .notInRange: return "provided value is not in the valid range"
        case .full: return "range is full"
        }
    }
}
