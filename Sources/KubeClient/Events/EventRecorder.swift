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
/// another one. Upstream's correlation applies (``EventCorrelator``): more than nine different
/// messages with the same object, type and reason within ten minutes go into one combined
/// Event, and each object (per event type) may cause at most 25 writes in a burst, one more
/// every five minutes; events over that budget are dropped.
///
/// ``record(_:type:reason:message:)`` never blocks or fails the caller: events are queued and
/// written by ``run()``, by `writers` concurrent writers (the events about one object always go
/// to the same writer, in order); when a writer's queue is full the oldest are dropped.
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

    let client: KubeClient
    /// The component named in `source.component` (`deployment-controller`).
    public let component: String
    /// The host named in `source.host`, if any (kubelets set their node).
    public let host: String?
    let logger: Logger
    let queues: [AsyncStream<Pending>]
    let continuations: [AsyncStream<Pending>.Continuation]
    let clock: @Sendable () -> Time

    /// Creates a recorder; call ``run()`` to write events.
    /// - Parameters:
    ///   - writers: how many Events are written at once (at least 1).
    ///   - queueLimit: events queued per writer before the oldest are dropped.
    public init(client: KubeClient, component: String, host: String? = nil, logger: Logger = Logger(label: "events"),
                writers: Int = 1, queueLimit: Int = 4096, clock: @escaping @Sendable () -> Time = { Time(Date()) }) {
        self.client = client
        self.component = component
        self.host = host
        self.logger = logger
        self.clock = clock
        var queues: [AsyncStream<Pending>] = []
        var continuations: [AsyncStream<Pending>.Continuation] = []
        for _ in 0..<max(1, writers) {
            let (queue, continuation) = AsyncStream.makeStream(of: Pending.self, bufferingPolicy: .bufferingNewest(max(1, queueLimit)))
            queues.append(queue)
            continuations.append(continuation)
        }
        self.queues = queues
        self.continuations = continuations
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
        let event = Pending(reference: reference, type: type, reason: reason, message: message, time: clock())
        var writer = 0
        if continuations.count > 1 {
            var hasher = Hasher()
            hasher.combine(reference.uid)
            hasher.combine(reference.namespace)
            hasher.combine(reference.name)
            writer = Int(UInt(bitPattern: hasher.finalize()) % UInt(continuations.count))
        }
        continuations[writer].yield(event)
    }

    /// Writes queued events until the calling task is cancelled.
    public func run() async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for queue in queues {
                    group.addTask {
                        var correlator = EventCorrelator()
                        for await event in queue {
                            await self.write(event, correlator: &correlator)
                        }
                    }
                }
            }
        } onCancel: {
            for continuation in continuations { continuation.finish() }
        }
    }

    func write(_ event: Pending, correlator: inout EventCorrelator) async {
        let namespace = event.reference.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let object = EventCorrelator.ObjectKey(
            uid: event.reference.uid ?? "", kind: event.reference.kind ?? "", apiVersion: event.reference.apiVersion ?? "",
            namespace: namespace, name: event.reference.name ?? "")
        let decision = correlator.correlate(
            object: object, fieldPath: event.reference.fieldPath ?? "", type: event.type.rawValue, reason: event.reason,
            message: event.message, now: event.time.secondsSinceEpoch)
        // The answers are not decoded: only whether the write succeeded matters.
        let events = client.resource(CoreV1.Event.self).rest
        let key: EventCorrelator.EventKey
        let message: String
        switch decision {
        case .skip:
            logger.debug("event dropped by the spam filter", metadata: ["reason": "\(event.reason)", "object": "\(object.name)"])
            return
        case .patch(let patchKey, let previous, let text):
            let count = previous.count + 1
            let body: JSONValue = patchKey.message == nil
                ? ["count": .int(Int64(count)), "lastTimestamp": .string(event.time.description), "message": .string(text)]
                : ["count": .int(Int64(count)), "lastTimestamp": .string(event.time.description)]
            let patched = try? await events.patch(
                namespace: previous.namespace, name: previous.name, contentType: PatchType.merge.rawValue,
                body: body.serialized(escapingHTML: false), subresource: nil, query: [])
            if patched != nil {
                correlator.recorded(patchKey, as: EventCorrelator.Written(name: previous.name, namespace: previous.namespace, count: count))
                return
            }
            correlator.forget(patchKey)
            (key, message) = (patchKey, text)
        case .create(let createKey, let text):
            (key, message) = (createKey, text)
        }
        let nanos = UInt64(max(0, Date().timeIntervalSince1970 * 1e9))
        let name = "\(event.reference.name ?? "event").\(String(nanos, radix: 16))"
        let created = CoreV1.Event(
            count: 1, firstTimestamp: event.time, involvedObject: event.reference, lastTimestamp: event.time,
            message: message, metadata: .init(name: name, namespace: namespace), reason: event.reason,
            reportingComponent: component, reportingInstance: host ?? "",
            source: CoreV1.EventSource(component: component, host: host), type: event.type.rawValue)
        do {
            _ = try await events.create(namespace: namespace, body: Array(JSONEncoder().encode(created)), options: .init())
            correlator.recorded(key, as: EventCorrelator.Written(name: name, namespace: namespace, count: 1))
        } catch {
            logger.debug("event not recorded", metadata: ["reason": "\(event.reason)", "error": "\(error)"])
        }
    }
}
