#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import Logging

/// Leader election on a `coordination.k8s.io` Lease, as upstream components do it: a candidate
/// takes the Lease when it is free or its holder let it expire, renews it every `retryPeriod`,
/// and gives up leadership when it cannot renew within `renewDeadline`.
///
/// Several servers sharing one datastore run their controllers under one elector each, so
/// exactly one of them is active at a time.
public struct LeaderElector: Sendable {
    /// The client the Lease is read and written with.
    public let client: KubeClient
    /// The Lease's namespace (`kube-system`).
    public let namespace: String
    /// The Lease's name (`kube-controller-manager`).
    public let name: String
    /// This candidate's identity (`host_uuid`).
    public let identity: String
    /// How long a Lease is valid after its last renewal.
    public var leaseDuration: Duration
    /// How long the leader keeps trying to renew before it stops leading.
    public var renewDeadline: Duration
    /// How often candidates retry and leaders renew.
    public var retryPeriod: Duration
    let logger: Logger
    let now: @Sendable () -> Date

    /// Creates an elector with upstream's default timings (15 s, 10 s, 2 s).
    public init(
        client: KubeClient, namespace: String = "kube-system", name: String, identity: String,
        leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2),
        logger: Logger = Logger(label: "leader-election"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
        self.logger = logger
        self.now = now
    }

    /// Campaigns until this candidate leads, runs `whileLeading` while it keeps the Lease, and
    /// campaigns again if leadership is lost. Returns when the calling task is cancelled (the
    /// Lease is then released so another candidate can take over at once).
    public func run(_ whileLeading: @escaping @Sendable () async throws -> Void) async throws {
        while !Task.isCancelled {
            // Campaign.
            while !Task.isCancelled {
                if (try? await tryAcquireOrRenew()) == true { break }
                try? await Task.sleep(for: retryPeriod)
            }
            if Task.isCancelled { break }
            logger.info("became leader", metadata: ["lease": "\(namespace)/\(name)", "identity": "\(identity)"])
            // Lead: run the work alongside the renew loop; whichever ends first stops the other.
            let lost = await withTaskGroup(of: Bool.self) { group -> Bool in
                group.addTask {
                    do { try await whileLeading() } catch {}
                    return false
                }
                group.addTask { await self.renewLoop() }
                let result = await group.next() ?? false
                group.cancelAll()
                return result
            }
            if !lost { break }
            logger.warning("lost leadership", metadata: ["lease": "\(namespace)/\(name)"])
        }
        await release()
    }

    /// Renews until a renewal deadline passes; returns `true` (leadership lost) then, or
    /// `false` when cancelled.
    func renewLoop() async -> Bool {
        var lastRenewal = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: retryPeriod)
            if Task.isCancelled { return false }
            if (try? await tryAcquireOrRenew()) == true {
                lastRenewal = .now
            } else if ContinuousClock.now - lastRenewal > renewDeadline {
                return true
            }
        }
        return false
    }

    /// Takes or renews the Lease; `false` when another candidate holds a valid one.
    public func tryAcquireOrRenew() async throws -> Bool {
        let leases = client.resource(CoordinationV1.Lease.self)
        let time = MicroTime(now())
        let seconds = Int(leaseDuration.components.seconds)
        guard var lease = try await existingLease(leases) else {
            let lease = CoordinationV1.Lease(
                metadata: .init(name: name, namespace: namespace),
                spec: .init(acquireTime: time, holderIdentity: identity, leaseDurationSeconds: seconds, leaseTransitions: 0, renewTime: time))
            do {
                _ = try await leases.create(lease)
                return true
            } catch let error as StatusError where error.code == 409 {
                return false
            }
        }
        var spec = lease.spec ?? .init()
        let holder = spec.holderIdentity ?? ""
        if holder != identity, !holder.isEmpty, let renewed = spec.renewTime {
            let expiry = renewed.date.addingTimeInterval(Double(spec.leaseDurationSeconds ?? seconds))
            if expiry > now() { return false }
        }
        if holder != identity {
            spec.leaseTransitions = (spec.leaseTransitions ?? 0) + (holder.isEmpty ? 0 : 1)
            spec.acquireTime = time
        }
        spec.holderIdentity = identity
        spec.leaseDurationSeconds = seconds
        spec.renewTime = time
        lease.spec = spec
        do {
            _ = try await leases.update(lease)
            return true
        } catch let error as StatusError where error.code == 409 {
            return false
        }
    }

    func existingLease(_ leases: ResourceClient<CoordinationV1.Lease>) async throws -> CoordinationV1.Lease? {
        do {
            return try await leases.get(name, namespace: namespace)
        } catch let error as StatusError where error.code == 404 {
            return nil
        }
    }

    /// Gives the Lease up if this candidate holds it.
    func release() async {
        let leases = client.resource(CoordinationV1.Lease.self)
        guard var lease = try? await leases.get(name, namespace: namespace), lease.spec?.holderIdentity == identity else { return }
        lease.spec?.holderIdentity = nil
        lease.spec?.renewTime = nil
        _ = try? await leases.update(lease)
    }
}
