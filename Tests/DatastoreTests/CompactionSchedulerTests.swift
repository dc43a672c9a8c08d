import Datastore
import Synchronization
import Testing

/// A time source tests move by hand.
final class ManualTime: Sendable {
    let start = ContinuousClock.now
    private let offset = Mutex(Duration.zero)

    func advance(by duration: Duration) {
        offset.withLock { $0 += duration }
    }

    var now: ContinuousClock.Instant {
        start.advanced(by: offset.withLock { $0 })
    }
}

@Suite struct CompactionSchedulerTests {
    @Test func disabledPolicyNeverCompacts() {
        let time = ManualTime()
        var scheduler = CompactionScheduler(policy: .disabled, now: { time.now })
        scheduler.record(revision: 10_000)
        time.advance(by: .seconds(3_600))
        #expect(scheduler.target(currentRevision: 10_000, compactedRevision: 0) == nil)
    }

    @Test func revisionCountRuleWhenDurationIsZero() {
        let time = ManualTime()
        var scheduler = CompactionScheduler(
            policy: CompactionPolicy(minimumRetainedRevisions: 10, minimumRetainedDuration: .zero),
            now: { time.now }
        )
        scheduler.record(revision: 100)
        #expect(scheduler.target(currentRevision: 100, compactedRevision: 0) == 90)
        #expect(scheduler.target(currentRevision: 100, compactedRevision: 90) == nil)
        scheduler.record(revision: 5)
        #expect(scheduler.target(currentRevision: 5, compactedRevision: 0) == nil)
    }

    @Test func durationRuleKeepsRecentRevisions() {
        let time = ManualTime()
        var scheduler = CompactionScheduler(
            policy: CompactionPolicy(minimumRetainedRevisions: 0, minimumRetainedDuration: .seconds(60)),
            now: { time.now }
        )
        scheduler.record(revision: 10)  // t = 0
        time.advance(by: .seconds(30))
        scheduler.record(revision: 20)  // t = 30
        // Nothing is 60 seconds old yet.
        #expect(scheduler.target(currentRevision: 20, compactedRevision: 0) == nil)
        time.advance(by: .seconds(31))
        scheduler.record(revision: 30)  // t = 61
        #expect(scheduler.target(currentRevision: 30, compactedRevision: 0) == 10)
        time.advance(by: .seconds(34))  // t = 95
        #expect(scheduler.target(currentRevision: 30, compactedRevision: 10) == 20)
        // Samples older than the newest one past the cutoff are gone.
        #expect(scheduler.samples.map(\.revision) == [20, 30])
    }

    @Test func whicheverRuleKeepsMoreWins() {
        let time = ManualTime()
        var scheduler = CompactionScheduler(
            policy: CompactionPolicy(minimumRetainedRevisions: 15, minimumRetainedDuration: .seconds(60)),
            now: { time.now }
        )
        scheduler.record(revision: 10)
        time.advance(by: .seconds(30))
        scheduler.record(revision: 20)
        time.advance(by: .seconds(65))
        scheduler.record(revision: 30)
        // By time 20 could go; by count only 15.
        #expect(scheduler.target(currentRevision: 30, compactedRevision: 0) == 15)
        scheduler.record(revision: 1_000)
        // By count 985 could go; by time only 20.
        #expect(scheduler.target(currentRevision: 1_000, compactedRevision: 15) == 20)
    }

    @Test func repeatedSamplesKeepTheOldestInstant() {
        let time = ManualTime()
        var scheduler = CompactionScheduler(
            policy: CompactionPolicy(minimumRetainedRevisions: 0, minimumRetainedDuration: .seconds(10)),
            now: { time.now }
        )
        scheduler.record(revision: 7)
        time.advance(by: .seconds(9))
        scheduler.record(revision: 7)
        time.advance(by: .seconds(2))
        #expect(scheduler.target(currentRevision: 7, compactedRevision: 0) == 7)
    }
}
