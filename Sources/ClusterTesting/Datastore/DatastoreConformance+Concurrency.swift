import Datastore
import Testing

extension DatastoreConformance {
    static let concurrencyCases: [(name: String, body: Case)] = [
        ("concurrentCompareAndSwapHasOneWinnerPerRound", concurrentCompareAndSwapHasOneWinnerPerRound),
        ("concurrentIncrementsAreNotLost", concurrentIncrementsAreNotLost),
    ]

    private enum Attempt: Sendable {
        case won(task: Int, revision: Int64)
        case lost(current: KeyValue)
    }

    static func concurrentCompareAndSwapHasOneWinnerPerRound(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "cas"
        let tasks = 16, rounds = 50
        var revision = try await store.create(key: key, value: bytes("start"))
        let start = revision
        for round in 0..<rounds {
            let expected = revision
            let attempts = try await withThrowingTaskGroup(of: Attempt.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        do {
                            let written = try await store.update(key: key, value: bytes("\(round)/\(task)"), expectedRevision: expected)
                            return .won(task: task, revision: written)
                        } catch DatastoreError.conflict(_, _, let current) {
                            return .lost(current: current)
                        }
                    }
                }
                var attempts: [Attempt] = []
                for try await attempt in group { attempts.append(attempt) }
                return attempts
            }
            let winners = attempts.compactMap { attempt -> (Int, Int64)? in
                if case .won(let task, let revision) = attempt { return (task, revision) }
                return nil
            }
            try #require(winners.count == 1, "round \(round) had \(winners.count) winners")
            let (winner, written) = winners[0]
            #expect(written == expected + 1)
            let winnerValue = KeyValue(key: key, value: bytes("\(round)/\(winner)"), createRevision: start, modRevision: written)
            for attempt in attempts {
                if case .lost(let current) = attempt {
                    // A loser's conflict carries the winner's write.
                    #expect(current == winnerValue)
                }
            }
            revision = written
        }
        #expect(try await store.currentRevision == start + Int64(rounds))
        let final = try #require(try await store.get(key: key, revision: nil))
        #expect(final.modRevision == revision)
        #expect(String(decoding: final.value, as: UTF8.self).hasPrefix("\(rounds - 1)/"))
    }

    static func concurrentIncrementsAreNotLost(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "counter"
        let tasks = 16, increments = 50
        _ = try await store.create(key: key, value: bytes("0"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var done = 0
                    var current = try await store.get(key: key, revision: nil)
                    while done < increments {
                        let seen = try #require(current)
                        let count = Int(String(decoding: seen.value, as: UTF8.self)) ?? -1_000_000
                        do {
                            let written = try await store.update(key: key, value: bytes("\(count + 1)"), expectedRevision: seen.modRevision)
                            done += 1
                            current = KeyValue(key: key, value: bytes("\(count + 1)"), createRevision: seen.createRevision, modRevision: written)
                        } catch DatastoreError.conflict(_, _, let latest) {
                            current = latest
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try #require(try await store.get(key: key, revision: nil))
        #expect(String(decoding: final.value, as: UTF8.self) == "\(tasks * increments)")
        #expect(final.modRevision == 1 + Int64(tasks * increments))
        #expect(try await store.currentRevision == 1 + Int64(tasks * increments))
    }
}
