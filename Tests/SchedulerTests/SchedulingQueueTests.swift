import KubeAPI
import Testing
@testable import Scheduler

@Suite struct SchedulingQueueTests {
    @Test func popsByPriorityThenAge() {
        var queue = SchedulingQueue()
        queue.add(Fixtures.pod("young-low", priority: 1, created: 20), now: .zero)
        queue.add(Fixtures.pod("old-low", priority: 1, created: 10), now: .zero)
        queue.add(Fixtures.pod("high", priority: 5, created: 30), now: .zero)
        var order: [String] = []
        while let entry = queue.pop(now: .zero) { order.append(entry.key) }
        #expect(order == ["default/high", "default/old-low", "default/young-low"])
    }

    @Test func backoffDoublesToTheCap() {
        let queue = SchedulingQueue()
        #expect((1...6).map { queue.backoffDuration(attempts: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
    }

    @Test func unschedulablePodsWaitForAnEventThenBackoff() {
        var queue = SchedulingQueue()
        queue.add(Fixtures.pod("p"), now: .zero)
        let entry = queue.pop(now: .zero)
        #expect(entry?.attempts == 1)
        queue.addUnschedulable("default/p", now: .zero)
        #expect(queue.unschedulableCount == 1)
        #expect(queue.pop(now: .seconds(30)) == nil)
        queue.moveAllToActiveOrBackoff(now: .milliseconds(500))
        #expect(queue.backoffCount == 1)
        #expect(queue.pop(now: .milliseconds(900)) == nil)
        let again = queue.pop(now: .seconds(1))
        #expect(again?.key == "default/p")
        #expect(again?.attempts == 2)
    }

    @Test func unschedulablePodsAreRetriedAfterFiveMinutes() {
        var queue = SchedulingQueue()
        queue.add(Fixtures.pod("p"), now: .zero)
        _ = queue.pop(now: .zero)
        queue.addUnschedulable("default/p", now: .seconds(1))
        #expect(queue.nextWakeup() == .seconds(301))
        #expect(queue.pop(now: .seconds(300)) == nil)
        #expect(queue.pop(now: .seconds(301))?.key == "default/p")
    }

    @Test func anEventDuringTheCycleSendsTheFailureToBackoff() {
        var queue = SchedulingQueue()
        queue.add(Fixtures.pod("p"), now: .zero)
        _ = queue.pop(now: .zero)
        queue.moveAllToActiveOrBackoff(now: .zero)
        queue.addUnschedulable("default/p", now: .zero)
        #expect(queue.unschedulableCount == 0)
        #expect(queue.backoffCount == 1)
        #expect(queue.nextWakeup() == .seconds(1))
    }

    @Test func errorsRetryAfterBackoffAndRemovalForgets() {
        var queue = SchedulingQueue()
        queue.add(Fixtures.pod("p"), now: .zero)
        _ = queue.pop(now: .zero)
        queue.addBackoff("default/p", now: .zero)
        #expect(queue.contains("default/p"))
        queue.remove("default/p")
        #expect(!queue.contains("default/p"))
        #expect(queue.pop(now: .seconds(5)) == nil)
        #expect(queue.backoffCount == 0)
    }

    @Test func updatesDoNotDuplicateAndDoneForgets() {
        var queue = SchedulingQueue()
        queue.add(Fixtures.pod("p", priority: 1), now: .zero)
        queue.add(Fixtures.pod("p", priority: 9), now: .zero)
        #expect(queue.activeCount == 1)
        let entry = queue.pop(now: .zero)
        #expect(entry?.priority == 9)
        queue.add(Fixtures.pod("p", priority: 9), now: .zero)
        #expect(queue.activeCount == 0)
        queue.done("default/p")
        #expect(!queue.contains("default/p"))
    }
}

@Suite struct SchedulingQueueUpdateTests {
    @Test func statusOnlyUpdatesLeaveParkedPodsParked() {
        var queue = SchedulingQueue()
        queue.add(Fixtures.pod("p"), now: .zero)
        _ = queue.pop(now: .zero)
        queue.addUnschedulable("default/p", now: .zero)
        queue.add(Fixtures.pod("p"), schedulingChanged: false, now: .seconds(20))
        #expect(queue.unschedulableCount == 1)
        #expect(queue.pop(now: .seconds(20)) == nil)
        queue.add(Fixtures.pod("p", labels: ["new": "label"]), schedulingChanged: true, now: .seconds(20))
        #expect(queue.unschedulableCount == 0)
        #expect(queue.pop(now: .seconds(20))?.pod.metadata.labels == ["new": "label"])
    }
}
