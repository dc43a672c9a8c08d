import ClusterTesting
import Testing
@testable import Kubelet

@Suite("Pod work queue")
struct PodWorkQueueTests {
    @Test func keysAreDedupedAndNeverHandedOutTwiceAtOnce() async {
        let queue = PodWorkQueue(clock: KubeletClock(ManualClock()))
        queue.add("a")
        queue.add("b")
        queue.add("a")
        #expect(await queue.next() == "a")
        queue.add("a")  // while processing: comes back after done
        #expect(await queue.next() == "b")
        queue.done("b")
        queue.done("a")
        #expect(await queue.next() == "a")
        queue.done("a")
        queue.shutdown()
        #expect(await queue.next() == nil)
    }

    @Test func delayedKeysArriveWhenTheClockGetsThere() async throws {
        let clock = ManualClock()
        let queue = PodWorkQueue(clock: KubeletClock(clock))
        queue.add("late", at: .seconds(10))
        queue.add("late", at: .seconds(20))  // a later timer for the same key is dropped
        try await eventually("the timer to sleep") { clock.sleeperCount == 1 }
        clock.advance(by: .seconds(10))
        #expect(await queue.next() == "late")
    }

    @Test func aWaitingConsumerGetsTheNextKey() async {
        let queue = PodWorkQueue(clock: KubeletClock(ManualClock()))
        async let key = queue.next()
        await Task.yield()
        queue.add("x")
        #expect(await key == "x")
    }
}
