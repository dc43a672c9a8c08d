import KubeClient
import Testing
@testable import Kubelet

@Suite("Kubelet API review caches")
struct ExpiringCacheTests {
    @Test func entriesExpireAfterTheirTTL() {
        let cache = ExpiringCache<String, Int>()
        let start = ContinuousClock.now
        cache.store(1, for: "a", ttl: .seconds(10), now: start)
        cache.store(2, for: "b", ttl: .zero, now: start)
        #expect(cache.value(for: "a", now: start + .seconds(9)) == 1)
        #expect(cache.value(for: "b", now: start) == nil)
        #expect(cache.value(for: "a", now: start + .seconds(10)) == nil)
        #expect(cache.value(for: "a", now: start) == nil)  // removed once expired
    }

    @Test func aFullCacheDropsExpiredThenOldestEntries() {
        let cache = ExpiringCache<Int, Int>(capacity: 2)
        let start = ContinuousClock.now
        cache.store(1, for: 1, ttl: .seconds(1), now: start)
        cache.store(2, for: 2, ttl: .seconds(100), now: start)
        cache.store(3, for: 3, ttl: .seconds(100), now: start + .seconds(2))
        #expect(cache.value(for: 2, now: start + .seconds(3)) == 2)
        #expect(cache.value(for: 3, now: start + .seconds(3)) == 3)
        cache.store(4, for: 4, ttl: .seconds(200), now: start + .seconds(3))
        #expect(cache.value(for: 2, now: start + .seconds(3)) == nil)
        #expect(cache.value(for: 3, now: start + .seconds(3)) == 3)
        #expect(cache.value(for: 4, now: start + .seconds(3)) == 4)
    }

    @Test func decisionsAreCachedPerUserAndAttributes() async throws {
        // A review client that must not be reached: the cached decision answers.
        let authorizer = SubjectAccessReviewAuthorizer(client: .init(transport: UnreachableTransport()))
        let user = KubeletUser(name: "alice")
        let attributes = KubeletRequestAttributes(verb: "get", subresource: "proxy", nodeName: "n1")
        authorizer.cache.store(.init(allowed: true), for: .init(user: user, attributes: attributes), ttl: .seconds(60))
        #expect(try await authorizer.authorize(user, attributes).allowed)
        var other = attributes
        other.subresource = "log"
        await #expect(throws: (any Error).self) { _ = try await authorizer.authorize(user, other) }
    }
}

/// A transport that fails every request.
struct UnreachableTransport: KubeTransport {
    func send(_ request: KubeRequest) async throws -> KubeResponse { throw TestFailure("unreachable: \(request.path)") }
    func stream(_ request: KubeRequest) async throws -> KubeStreamResponse { throw TestFailure("unreachable: \(request.path)") }
}
