import Synchronization

/// The API server's Prometheus metrics: requests by verb, resource and code, their latency,
/// registered watchers, and datastore latency. Code anywhere in the server records into one
/// shared instance; ``SystemEndpoints`` exposes it at `/metrics`.
///
/// Metric names and label names follow the upstream API server, so existing dashboards and
/// queries work: `apiserver_request_total`, `apiserver_request_duration_seconds`,
/// `apiserver_registered_watchers`, `etcd_request_duration_seconds`.
public final class APIMetrics: Sendable {
    /// The latency bucket bounds (seconds) the API server uses for request and datastore
    /// latency histograms.
    public static let defaultBuckets: [Double] = [
        0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
    ]

    struct RequestLabels: Hashable {
        var verb: String
        var dryRun: String
        var group: String
        var version: String
        var resource: String
        var subresource: String
        var scope: String
        var component: String
    }

    struct RequestCountKey: Hashable {
        var labels: RequestLabels
        var code: Int
    }

    struct WatcherKey: Hashable {
        var group: String
        var version: String
        var kind: String
    }

    struct DatastoreKey: Hashable {
        var operation: String
        var type: String
    }

    struct State {
        var requestCounts: [RequestCountKey: UInt64] = [:]
        var requestDurations: [RequestLabels: Histogram] = [:]
        var watchers: [WatcherKey: Int] = [:]
        var datastoreDurations: [DatastoreKey: Histogram] = [:]
    }

    /// The bucket bounds of this instance's histograms.
    public let buckets: [Double]
    let state = Mutex(State())

    /// Creates an empty set of metrics.
    public init(buckets: [Double] = APIMetrics.defaultBuckets) {
        self.buckets = buckets.sorted()
    }

    /// Records one finished request: it counts under its verb, group, version, resource,
    /// subresource, scope and code, and its duration goes into the latency histogram.
    ///
    /// - Parameters:
    ///   - requestInfo: what the request asked for.
    ///   - code: the response status code.
    ///   - duration: how long the request took (for a watch, how long it was open).
    ///   - isApply: whether a patch was a server-side apply (counted under verb `APPLY`).
    ///   - dryRun: whether the request ran with `dryRun=All`.
    public func record(requestInfo: RequestInfo, code: Int, duration: Duration, isApply: Bool = false, dryRun: Bool = false) {
        let labels = RequestLabels(
            verb: Self.metricVerb(requestInfo, isApply: isApply),
            dryRun: dryRun ? "All" : "",
            group: requestInfo.apiGroup,
            version: requestInfo.apiVersion,
            resource: requestInfo.resource,
            subresource: requestInfo.subresource,
            scope: Self.scope(requestInfo),
            component: "apiserver")
        let seconds = duration.seconds
        state.withLock { state in
            state.requestCounts[RequestCountKey(labels: labels, code: code), default: 0] += 1
            state.requestDurations[labels, default: Histogram(bucketCount: buckets.count)].observe(seconds, bounds: buckets)
        }
    }

    /// Counts a watch that started on a kind.
    public func watchStarted(group: String, version: String, kind: String) {
        adjustWatchers(WatcherKey(group: group, version: version, kind: kind), by: 1)
    }

    /// Counts a watch that ended on a kind.
    public func watchEnded(group: String, version: String, kind: String) {
        adjustWatchers(WatcherKey(group: group, version: version, kind: kind), by: -1)
    }

    /// The number of open watches on a kind.
    public func watcherCount(group: String, version: String, kind: String) -> Int {
        state.withLock { $0.watchers[WatcherKey(group: group, version: version, kind: kind)] ?? 0 }
    }

    /// Records one datastore call: `operation` is what was done (`get`, `list`, `create`,
    /// `update`, `delete`, `watch`, ...), `type` the resource it was done to (`pods`).
    public func recordDatastore(operation: String, type: String, duration: Duration) {
        let key = DatastoreKey(operation: operation, type: type)
        let seconds = duration.seconds
        state.withLock { state in
            state.datastoreDurations[key, default: Histogram(bucketCount: buckets.count)].observe(seconds, bounds: buckets)
        }
    }

    /// How many requests were recorded with a verb (as exposed, `LIST`, `GET`, ...), resource and
    /// code, summed over the other labels.
    public func requestCount(verb: String, resource: String, code: Int) -> UInt64 {
        state.withLock { state in
            state.requestCounts.reduce(0) { sum, entry in
                let key = entry.key
                return key.labels.verb == verb && key.labels.resource == resource && key.code == code ? sum + entry.value : sum
            }
        }
    }

    private func adjustWatchers(_ key: WatcherKey, by delta: Int) {
        state.withLock { state in
            let value = (state.watchers[key] ?? 0) + delta
            state.watchers[key] = max(0, value)
        }
    }

    /// The verb as the metrics name it: `LIST`, `WATCH`, `GET`, `POST`, `PUT`, `PATCH`, `APPLY`,
    /// `DELETE`, or the upper-cased HTTP method for non-resource requests.
    static func metricVerb(_ info: RequestInfo, isApply: Bool) -> String {
        switch info.verb {
        case "list": "LIST"
        case "watch": "WATCH"
        case "get": "GET"
        case "create": "POST"
        case "update": "PUT"
        case "patch": isApply ? "APPLY" : "PATCH"
        case "delete", "deletecollection": "DELETE"
        case "post": "POST"
        case "put": "PUT"
        case "head": "HEAD"
        case "options": "OPTIONS"
        default: info.verb.uppercased()
        }
    }

    /// `resource` for a named object (or a create), `namespace` for a namespaced collection,
    /// `cluster` for a cluster-wide collection, empty for non-resource requests.
    static func scope(_ info: RequestInfo) -> String {
        if !info.name.isEmpty || info.verb == "create" { return "resource" }
        if !info.namespace.isEmpty { return "namespace" }
        if info.isResourceRequest { return "cluster" }
        return ""
    }
}

/// A cumulative histogram's counts.
struct Histogram: Sendable {
    /// Observations at or below each bound (not yet cumulative).
    var counts: [UInt64]
    var sum: Double = 0
    var count: UInt64 = 0

    init(bucketCount: Int) {
        counts = Array(repeating: 0, count: bucketCount)
    }

    mutating func observe(_ value: Double, bounds: [Double]) {
        sum += value
        count += 1
        // Few bounds: a linear scan beats a binary search's branches.
        for index in bounds.indices where value <= bounds[index] {
            counts[index] += 1
            return
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
