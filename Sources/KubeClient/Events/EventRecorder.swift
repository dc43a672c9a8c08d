#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI
import Logging
import Synchronization

/// Records `core/v1` Events about objects, the way upstream components do: the first
/// occurrence creates an Event named `<object>.<hex timestamp>`, and each repeat of the same
/// (object, type, reason, message) raises its `count` and `lastTimestamp` instead of creating
/// another one.
///
/// ``record(_:type:reason:message:)`` never blocks or fails the caller: events are queued and
/// written by ``run()``; when the queue is full the oldest are dropped.
public final class EventRecorder: Sendable {
    /// The event types.
    public enum EventType: String, Sendable {
        /// Something expected happened.
        case normal = "Normal"
        /// Something that may need attention happened.
        case warning = "Warning"
    }

    struct Pending: Sendable {
        var reference: CoreV1.ObjectReference
        var type: EventType
        var reason: String
        var message: String
        var time: Time
    }

    struct AggregateKey: Hashable {
        var uid: String
        var kind: String
        var namespace: String
        var name: String
        var type: String
        var reason: String
        var message: String
    }

    struct Recorded {
        var name: String
        var namespace: String
        var count: Int
    }

    let client: KubeClient
    /// The component named in `source.component` (`deployment-controller`).
    public let component: String
    /// The host named in `source.host`, if any (kubelets set their node).
    public let host: String?
    let logger: Logger
    let queue: AsyncStream<Pending>
    let continuation: AsyncStream<Pending>.Continuation
    let recorded = Mutex<[AggregateKey: Recorded]>([:])
    let clock: @Sendable () -> Time

    /// Creates a recorder; call ``run()`` to write events.
    public init(client: KubeClient, component: String, host: String? = nil, logger: Logger = Logger(label: "events"),
                clock: @escaping @Sendable () -> Time = { Time(Date()) }) {
        self.client = client
        self.component = component
        self.host = host
        self.logger = logger
        self.clock = clock
        (queue, continuation) = AsyncStream.makeStream(of: Pending.self, bufferingPolicy: .bufferingNewest(4096))
    }

    /// Queues an event about `object`.
    public func record(_ object: some KubernetesObject, type: EventType, reason: String, message: String) {
        let gvk = Swift.type(of: object).groupVersionKind
        let reference = CoreV1.ObjectReference(
            apiVersion: gvk.apiVersion, kind: gvk.kind, name: object.metadata.name,
            namespace: object.metadata.namespace, resourceVersion: object.metadata.resourceVersion, uid: object.metadata.uid)
        record(reference, type: type, reason: reason, message: message)
    }

    /// Queues an event about the object `reference` names.
    public func record(_ reference: CoreV1.ObjectReference, type: EventType, reason: String, message: String) {
        continuation.yield(Pending(reference: reference, type: type, reason: reason, message: message, time: clock()))
    }

    /// Writes queued events until the calling task is cancelled.
    public func run() async {
        await withTaskCancellationHandler {
            for await event in queue {
                await write(event)
            }
        } onCancel: {
            continuation.finish()
        }
    }

    func write(_ event: Pending) async {
        let namespace = event.reference.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let key = AggregateKey(
            uid: event.reference.uid ?? "", kind: event.reference.kind ?? "", namespace: namespace,
            name: event.reference.name ?? "", type: event.type.rawValue, reason: event.reason, message: event.message)
        let events = client.resource(CoreV1.Event.self)
        if let previous = recorded.withLock({ $0[key] }) {
            let count = previous.count + 1
            let body: JSONValue = ["count": .int(Int64(count)), "lastTimestamp": .string(event.time.description)]
            if (try? await events.patch(previous.name, namespace: previous.namespace, type: .merge, body: body)) != nil {
                recorded.withLock { $0[key]?.count = count }
                return
            }
        }
        let nanos = UInt64(max(0, Date().timeIntervalSince1970 * 1e9))
        let name = "\(event.reference.name ?? "event").\(String(nanos, radix: 16))"
        let object = CoreV1.Event(
            count: 1, firstTimestamp: event.time, involvedObject: event.reference, lastTimestamp: event.time,
            message: event.message, metadata: .init(name: name, namespace: namespace), reason: event.reason,
            reportingComponent: component, reportingInstance: host ?? "",
            source: CoreV1.EventSource(component: component, host: host), type: event.type.rawValue)
        do {
            _ = try await events.create(object, namespace: namespace)
            recorded.withLock { cache in
                if cache.count > 4096 { cache.removeAll() }
                cache[key] = Recorded(name: name, namespace: namespace, count: 1)
            }
        } catch {
            logger.debug("event not recorded", metadata: ["reason": "\(event.reason)", "error": "\(error)"])
        }
    }
}
