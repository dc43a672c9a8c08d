import HTTPTypes
import KubeAPI

extension ResourceHandler {
    /// Serves a watch as a stream of `{"type":..,"object":..}` lines.
    func watch(_ request: APIRequest, store: ResourceStore, namespace: String, name: String) async throws -> APIResponse {
        var filter = try listFilter(request, namespace: namespace)
        if !name.isEmpty {
            // The deprecated /watch/.../NAME form watches one object.
            filter.fields = FieldSelector(requirements: filter.fields.requirements + [FieldSelector.Requirement(field: "metadata.name", operator: .equals, value: name)])
        }
        let bookmarks = boolParameter(request, "allowWatchBookmarks") ?? false
        let sendInitial = boolParameter(request, "sendInitialEvents")
        if sendInitial == true {
            if request.queryValue("resourceVersionMatch") != "NotOlderThan" {
                throw StatusError.invalid(GroupKind(group: "meta.k8s.io", kind: "ListOptions"), name: "", errors: [
                    .forbidden("resourceVersionMatch", detail: "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"),
                ])
            }
            if !bookmarks {
                throw StatusError.invalid(GroupKind(group: "meta.k8s.io", kind: "ListOptions"), name: "", errors: [
                    .forbidden("allowWatchBookmarks", detail: "sendInitialEvents requires setting allowWatchBookmarks to true"),
                ])
            }
        }
        var timeout = maximumWatchDuration
        if let seconds = try intParameter(request, "timeoutSeconds"), seconds > 0 {
            timeout = min(timeout, .seconds(seconds))
        }
        // Metadata-only clients (informers over PartialObjectMetadata) get each object in that
        // form; anything else (a Table, protobuf) is streamed as plain objects, as before.
        let metadataVersion: String?
        if case .metadata(let version, _)? = try? representation(request) { metadataVersion = version } else { metadataVersion = nil }
        let start = try await store.watchStart(filter: filter, resourceVersion: request.queryValue("resourceVersion"), sendInitialEvents: sendInitial)
        let cache = registry.cache
        let prefix = store.keys.resourcePrefix
        let descriptor = store.descriptor
        let interval = bookmarkInterval
        let duration = timeout
        let body = WatchBody { output in
            let sink = WatchResponseSink(output: output, descriptor: descriptor, bookmarks: bookmarks, metadataVersion: metadataVersion)
            let id = cache.watch(
                prefix: prefix, filter: start.filter, from: start.from, initialEventsEnd: start.initialEventsEnd,
                encoding: sink.encoding, sink: sink)
            sink.initialDelivered()
            let ticker: Task<Void, Never>? = bookmarks ? Task {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { return }
                    cache.bookmark(prefix: prefix, watcher: id)
                }
            } : nil
            let timer = Task {
                do { try await Task.sleep(for: duration) } catch { return }
                cache.cancelWatch(prefix: prefix, watcher: id)
            }
            output.onTermination {
                ticker?.cancel()
                timer.cancel()
                cache.cancelWatch(prefix: prefix, watcher: id)
            }
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return APIResponse(status: .ok, headers: headers, body: .watch(body))
    }

    /// The object of a BOOKMARK event: only the kind and `metadata.resourceVersion` (plus the
    /// `k8s.io/initial-events-end` annotation after the initial events).
    static func bookmarkObject(_ descriptor: ResourceDescriptor, revision: Int64, initialEventsEnd: Bool) -> JSONValue {
        var meta: JSONValue = ["resourceVersion": .string(String(revision))]
        if initialEventsEnd { meta.setMember("annotations", ["k8s.io/initial-events-end": "true"]) }
        return ["kind": .string(descriptor.kind), "apiVersion": .string(descriptor.apiVersion), "metadata": meta]
    }
}
