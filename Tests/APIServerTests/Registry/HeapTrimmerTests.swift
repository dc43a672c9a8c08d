import Testing
@testable import APIServer

@Suite struct HeapTrimmerTests {
    @Test func trimsUntilCancelled() async {
        let trimmer = Task { await HeapTrimmer(interval: .milliseconds(1)).run() }
        // Some garbage for it to hand back.
        for _ in 0..<100 { _ = [UInt8](repeating: 1, count: 64 * 1024) }
        trimmer.cancel()
        await trimmer.value
        HeapTrimmer.trim()
        #expect(trimmer.isCancelled)
    }
}
