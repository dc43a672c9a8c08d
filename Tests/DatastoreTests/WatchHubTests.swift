import ClusterTesting
import Datastore
import Testing

@Suite struct WatchHubTests {
    static func event(_ revision: Int64, _ key: String = "/registry/a") -> WatchEvent {
        WatchEvent(
            kind: .created,
            key: key,
            revision: revision,
            current: KeyValue(key: key, value: [], createRevision: revision, modRevision: revision),
            previous: nil
        )
    }

    @Test func historyThenPendingThenLiveWithoutGapsOrDuplicates() async throws {
        let hub = WatchHub(currentRevision: 5)
        let registration = try hub.register(prefix: "/registry/", fromRevision: 2)
        #expect(registration.replayThrough == 5)
        // Published while the store reads history.
        hub.publish([Self.event(6), Self.event(7)])
        // History may include events the watcher must not see again; the hub trims them.
        let probe = WatchProbe(registration.start(history: (1...5).map { Self.event($0) }))
        hub.publish(Self.event(8))
        let events = try await probe.events(count: 6)
        #expect(events.map(\.revision) == [3, 4, 5, 6, 7, 8])
        #expect(hub.lastPublishedRevision == 8)
        probe.cancel()
    }

    @Test func filtersByPrefixAndRevision() async throws {
        let hub = WatchHub()
        let probe = WatchProbe(try hub.register(prefix: "/registry/a/", fromRevision: 1).start(history: []))
        hub.publish([
            Self.event(1, "/registry/a/old"),
            Self.event(2, "/registry/ab"),
            Self.event(3, "/registry/a/x"),
            Self.event(4, "/registry/b/x"),
            Self.event(5, "/registry/a/y"),
        ])
        let events = try await probe.events(count: 2)
        #expect(events.map(\.key) == ["/registry/a/x", "/registry/a/y"])
        #expect(probe.received.count == 2)
        probe.cancel()
    }

    @Test func slowWatcherIsDroppedAfterItsBuffer() async throws {
        let hub = WatchHub(bufferLimit: 10)
        let stream = try hub.register(prefix: "/registry/", fromRevision: 0).start(history: [])
        let fast = WatchProbe(try hub.register(prefix: "/registry/", fromRevision: 0).start(history: []))
        for revision in 1...25 {
            hub.publish(Self.event(Int64(revision)))
            // The fast watcher keeps up, so only the unread one overflows.
            _ = try await fast.events(count: revision)
        }
        #expect(hub.watcherCount == 1)
        let slow = WatchProbe(stream)
        let ending = try await slow.end()
        #expect(slow.received.map(\.revision) == Array(1...10))
        #expect((ending as? DatastoreError) == .watcherTooSlow(lastDeliveredRevision: 10))
        fast.cancel()
    }

    @Test func overflowWhilePendingEndsAfterWhatFits() async throws {
        let hub = WatchHub(bufferLimit: 3)
        let registration = try hub.register(prefix: "/registry/", fromRevision: 0)
        hub.publish((1...5).map { Self.event(Int64($0)) })
        let probe = WatchProbe(registration.start(history: []))
        let ending = try await probe.end()
        #expect(probe.received.map(\.revision) == [1, 2, 3])
        #expect((ending as? DatastoreError) == .watcherTooSlow(lastDeliveredRevision: 3))
        #expect(hub.watcherCount == 0)
    }

    @Test func cancellingTheConsumerRemovesTheWatcher() async throws {
        let hub = WatchHub()
        let probe = WatchProbe(try hub.register(prefix: "/registry/", fromRevision: 0).start(history: []))
        hub.publish(Self.event(1))
        _ = try await probe.events(count: 1)
        #expect(hub.watcherCount == 1)
        probe.cancel()
        try await eventually("the watcher removed", timeout: .seconds(10)) { hub.watcherCount == 0 }
        // Publishing afterwards is harmless.
        hub.publish(Self.event(2))
    }

    @Test func droppedRegistrationIsRemoved() throws {
        let hub = WatchHub()
        do {
            let registration = try hub.register(prefix: "/registry/", fromRevision: 0)
            #expect(hub.watcherCount == 1)
            _ = registration
        }
        #expect(hub.watcherCount == 0)
        let cancelled = try hub.register(prefix: "/registry/", fromRevision: 0)
        cancelled.cancel()
        #expect(hub.watcherCount == 0)
    }

    @Test func closeEndsEveryWatch() async throws {
        let hub = WatchHub()
        let live = WatchProbe(try hub.register(prefix: "/registry/", fromRevision: 0).start(history: []))
        let pending = try hub.register(prefix: "/registry/", fromRevision: 0)
        hub.publish(Self.event(1))
        hub.close()
        #expect((try await live.end() as? DatastoreError) == .closed)
        #expect(live.received.map(\.revision) == [1])
        let late = WatchProbe(pending.start(history: []))
        #expect((try await late.end() as? DatastoreError) == .closed)
        #expect(throws: DatastoreError.closed) { try hub.register(prefix: "/registry/", fromRevision: 1) }
        #expect(hub.watcherCount == 0)
    }

    @Test func manyWatchersEachSeeEveryEvent() async throws {
        let hub = WatchHub()
        let probes = try (0..<100).map { index in
            WatchProbe(try hub.register(prefix: index.isMultiple(of: 2) ? "/registry/" : "/registry/odd/", fromRevision: 0).start(history: []))
        }
        for revision in 1...1_000 {
            hub.publish(Self.event(Int64(revision), revision.isMultiple(of: 2) ? "/registry/even/x" : "/registry/odd/x"))
        }
        for (index, probe) in probes.enumerated() {
            let expected = index.isMultiple(of: 2) ? 1_000 : 500
            let events = try await probe.events(count: expected)
            #expect(events.map(\.revision) == events.map(\.revision).sorted())
            probe.cancel()
        }
    }
}
