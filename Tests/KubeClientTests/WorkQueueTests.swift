import ClusterTesting
import KubeClient
import Testing

@Suite("WorkQueue")
struct WorkQueueTests {
    @Test func deduplicatesWaitingKeys() async {
        let queue = WorkQueue<String>(name: "t")
        queue.add("a")
        queue.add("b")
        queue.add("a")
        #expect(queue.count == 2)
        #expect(await queue.next() == "a")
        #expect(await queue.next() == "b")
    }

    @Test func aKeyAddedWhileProcessingComesBackAfterDone() async {
        let queue = WorkQueue<String>(name: "t")
        queue.add("a")
        let key = await queue.next()
        queue.add("a")
        #expect(queue.count == 0, "never handed to two workers at once")
        queue.done(key!)
        #expect(queue.count == 1)
        #expect(await queue.next() == "a")
    }

    @Test func shutdownReleasesWaiters() async {
        let queue = WorkQueue<Int>(name: "t")
        async let waiting = queue.next()
        queue.shutdown()
        #expect(await waiting == nil)
        queue.add(1)
        #expect(await queue.next() == nil)
    }

    @Test func waitingWorkerGetsANewKey() async {
        let queue = WorkQueue<Int>(name: "t")
        async let waiting = queue.next()
        queue.add(7)
        #expect(await waiting == 7)
    }

    @Test func cancelledWaiterReturnsNil() async {
        let queue = WorkQueue<Int>(name: "t")
        let task = Task { await queue.next() }
        task.cancel()
        #expect(await task.value == nil)
    }

    @Test func failuresBackOffExponentiallyUntilForgotten() async {
        let delays = DelayRecorder()
        let queue = WorkQueue<String>(name: "t", sleep: { await delays.record($0) })
        for _ in 0..<4 { queue.addRateLimited("k") }
        #expect(queue.failures("k") == 4)
        queue.forget("k")
        #expect(queue.failures("k") == 0)
        let limiter = RateLimiter.default
        #expect(limiter.backoff(failures: 0) == .milliseconds(5))
        #expect(limiter.backoff(failures: 3) == .milliseconds(40))
        #expect(limiter.backoff(failures: 60) == .seconds(1000))
        // Delayed adds arrive once their sleep returns.
        #expect(await queue.next() == "k")
        #expect(await delays.count() >= 1)
    }

    @Test func overallBucketLimitsBursts() async {
        let delays = DelayRecorder()
        let limiter = RateLimiter(baseDelay: .zero, ratePerSecond: 10, burst: 2)
        let queue = WorkQueue<Int>(name: "t", rateLimiter: limiter, sleep: { await delays.record($0) })
        for key in 0..<5 { queue.addRateLimited(key) }
        // Every key arrives; the burst of two without waiting, the other three after waiting
        // for tokens that refill at 10 per second.
        for _ in 0..<5 { #expect(await queue.next() != nil) }
        let waited = await delays.delays.sorted()
        #expect(waited.count == 3)
        #expect(waited.allSatisfy { $0 > .zero && $0 <= .milliseconds(400) }, "\(waited)")
    }

    @Test func delayedAddsArriveWhenTheInjectedClockGetsThere() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock)
        queue.addAfter("late", .seconds(10))
        queue.addAfter("late", .seconds(20))
        #expect(queue.delayedCount == 1, "a later delayed add of a pending key is dropped")
        #expect(queue.count == 0)
        clock.advance(by: .seconds(10))
        #expect(await queue.next() == "late")
        #expect(queue.delayedCount == 0)
        queue.done("late")
        clock.advance(by: .seconds(10))
        #expect(queue.count == 0, "the dropped add never fires")
    }

    @Test func anEarlierDelayedAddReplacesALaterOne() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock)
        queue.addAfter("k", .seconds(20))
        queue.addAfter("k", .seconds(5))
        #expect(queue.delayedCount == 1)
        clock.advance(by: .seconds(5))
        #expect(await queue.next() == "k")
        queue.done("k")
        clock.advance(by: .seconds(15))
        #expect(queue.count == 0, "the replaced timer does not fire")
        #expect(queue.delayedCount == 0)
    }

    @Test func aNonPositiveDelayAddsAtOnce() async {
        let queue = WorkQueue<String>(name: "t", clock: ManualClock())
        queue.addAfter("now", .zero)
        #expect(queue.count == 1)
        #expect(queue.delayedCount == 0)
    }

    @Test func shutdownCancelsDelayedAdds() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "t", clock: clock)
        queue.addAfter("k", .seconds(5))
        queue.shutdown()
        #expect(queue.delayedCount == 0)
        queue.addAfter("j", .seconds(5))
        #expect(queue.delayedCount == 0, "a stopped queue takes no delayed adds")
        clock.advance(by: .seconds(5))
        #expect(await queue.next() == nil)
    }

    @Test func runRetriesFailedKeys() async {
        let queue = WorkQueue<String>(name: "t", rateLimiter: .init(baseDelay: .zero), sleep: { _ in })
        let attempts = DelayRecorder()
        queue.add("x")
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await queue.run(workers: 2) { key in
                    let n = await attempts.increment()
                    if n < 3 { throw KubeClientError("fail \(n)") }
                    queue.shutdown()
                }
            }
        }
        #expect(await attempts.count() == 3)
    }
}

actor DelayRecorder {
    var delays: [Duration] = []
    var n = 0
    func record(_ delay: Duration) { delays.append(delay) }
    func increment() -> Int { n += 1; return n }
    func count() -> Int { max(delays.count, n) }
}
