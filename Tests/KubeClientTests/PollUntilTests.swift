import KubeClient
import Synchronization
import Testing

@Suite("pollUntil")
struct PollUntilTests {
    struct NotYet: Error, CustomStringConvertible {
        var description: String { "not there yet" }
    }

    @Test func returnsTheFirstValueAndRetriesThrowingProbes() async throws {
        let tries = Mutex(0)
        let value = try await pollUntil("the third try", timeout: .seconds(10), interval: .milliseconds(1)) { () throws -> Int? in
            let count = tries.withLock { $0 += 1; return $0 }
            if count == 1 { throw NotYet() }
            return count == 3 ? count : nil
        }
        #expect(value == 3)
    }

    @Test func timesOutNamingWhatWasAwaitedAndTheLastError() async throws {
        do {
            let _: Int = try await pollUntil("a value that never comes", timeout: .milliseconds(50), interval: .milliseconds(5)) {
                throw NotYet()
            }
            Issue.record("the poll returned")
        } catch let expired as PollTimeout {
            #expect(expired.what == "a value that never comes")
            #expect(expired.attempts > 1)
            #expect(expired.lastError == "not there yet")
            #expect(expired.description.contains("waiting for a value that never comes"))
        }
    }

    @Test func stopsWhenItsTaskIsCancelled() async throws {
        let task = Task {
            let _: Int = try await pollUntil("forever", timeout: .seconds(60), interval: .milliseconds(5)) { nil }
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}

@Suite("raceDeadline", .timeLimit(.minutes(1)))
struct RaceDeadlineTests {
    struct Broken: Error {}

    @Test func returnsTheBodysValueBeforeTheDeadline() async throws {
        let value = try await raceDeadline(.seconds(10)) { 42 }
        #expect(value == 42)
    }

    @Test func rethrowsTheBodysError() async throws {
        await #expect(throws: Broken.self) { try await raceDeadline(.seconds(10)) { () throws -> Int in throw Broken() } }
    }

    @Test func leavesABodyThatIgnoresCancellationBehind() async throws {
        // The body never finishes, cancelled or not: the deadline still answers.
        let never = AsyncStream<Int> { _ in }
        let value = try await raceDeadline(.milliseconds(50)) { () async -> Int in
            for await element in never { return element }
            return await withUnsafeContinuation { (_: UnsafeContinuation<Int, Never>) in }
        }
        #expect(value == nil)
    }
}
