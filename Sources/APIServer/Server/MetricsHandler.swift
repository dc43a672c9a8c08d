/// Records every request's verb, resource, status code and latency in ``APIMetrics``.
struct MetricsHandler: APIHandler {
    let metrics: APIMetrics
    let next: any APIHandler

    func handle(_ request: APIRequest) async -> APIResponse {
        let started = ContinuousClock.now
        let response = await next.handle(request)
        let info = RequestInfo(method: request.method, path: request.path, query: request.query)
        metrics.record(
            requestInfo: info, code: response.status.code, duration: ContinuousClock.now - started,
            isApply: request.headers[.contentType]?.hasPrefix("application/apply-patch") ?? false,
            dryRun: request.queryValue("dryRun") == "All"
        )
        return response
    }
}
