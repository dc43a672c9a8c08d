import KubeAPI
import Testing
@testable import APIServer

@Suite struct EventWindowTests {
    @Test func keepsEverythingUntilFull() {
        var window = EventWindow<Int>(capacity: 4)
        #expect(window.last == nil && window.count == 0)
        for value in 1...4 { #expect(window.append(value) == nil) }
        #expect(Array(window) == [1, 2, 3, 4])
        #expect(window.last == 4)
    }

    @Test func aFullWindowDropsExactlyItsOldest() {
        var window = EventWindow<Int>(capacity: 3)
        for value in 1...3 { _ = window.append(value) }
        var dropped: [Int] = []
        for value in 4...10 {
            if let old = window.append(value) { dropped.append(old) }
            #expect(window.count == 3)
            #expect(Array(window) == [value - 2, value - 1, value])
            #expect(window.last == value)
        }
        #expect(dropped == Array(1...7))
    }

    @Test func removeAllStartsOver() {
        var window = EventWindow<Int>(capacity: 2)
        for value in 1...5 { _ = window.append(value) }
        window.removeAll()
        #expect(Array(window).isEmpty && window.last == nil)
        #expect(window.append(9) == nil)
        #expect(window.append(10) == nil)
        #expect(window.append(11) == 9)
        #expect(Array(window) == [10, 11])
    }

    @Test("a resource keeps exactly its window: a watch may resume from its oldest event's predecessor, not before")
    func watchResumesWithinTheExactWindow() async throws {
        let f = try await RESTFixture(watchWindow: 16)
        let path = "/api/v1/namespaces/default/configmaps"
        var versions: [String] = []
        for index in 0..<40 {
            let created = await f.send(.post, path, body: RESTFixture.configMap("o\(index)"))
            versions.append(created.json[path: "metadata", "resourceVersion"]?.stringValue ?? "")
        }
        #expect(await f.send(.get, path).json["items"]?.arrayValue?.count == 40)
        // The window holds the last 16 creates (24...39): resuming after create 23 works.
        let (status, stream, _) = await f.watch(path, query: [("resourceVersion", versions[23]), ("timeoutSeconds", "10")])
        #expect(status == 200)
        let resumed = await collectEvents(try #require(stream), count: 16)
        #expect(resumed.map { $0[path: "object", "metadata", "name"]?.stringValue ?? "" } == (24..<40).map { "o\($0)" })
        // After create 22, create 23 is missing from the window: 410.
        let (_, expired, _) = await f.watch(path, query: [("resourceVersion", versions[22]), ("timeoutSeconds", "10")])
        let error = await collectEvents(try #require(expired), count: 1)
        #expect(error.first?[path: "object", "code"]?.intValue == 410)
    }
}
