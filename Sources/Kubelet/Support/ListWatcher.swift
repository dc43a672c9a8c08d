import KubeAPI
import KubeClient
import Logging

/// Lists then watches one resource with optional selectors, re-listing after a 410 or an error,
/// and hands every state change to the caller. A small reflector: the kubelet needs field
/// selectors (`spec.nodeName=NODE`) and a single shared stream for many hollow nodes.
struct ListWatcher<Object: KubernetesObject & Sendable>: Sendable {
    /// What the watcher reports.
    enum Change: Sendable {
        /// A full list: every object that exists now (objects not in it are gone).
        case replace([Object])
        /// An object was added or modified.
        case upsert(Object)
        /// An object was deleted.
        case delete(Object)
    }

    let resource: ResourceClient<Object>
    let labelSelector: String?
    let fieldSelector: String?
    let clock: KubeletClock
    let logger: Logger

    /// Runs until the task is cancelled.
    func run(_ handle: @escaping @Sendable (Change) async -> Void) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                var options = ListOptions()
                options.labelSelector = labelSelector
                options.fieldSelector = fieldSelector
                let list = try await resource.list(options: options)
                await handle(.replace(list.items))
                failures = 0
                var resourceVersion = list.resourceVersion
                watching: while !Task.isCancelled {
                    var watchOptions = options
                    watchOptions.resourceVersion = resourceVersion
                    watchOptions.allowWatchBookmarks = true
                    let stream = try await resource.watch(options: watchOptions)
                    for try await event in stream {
                        if let version = event.object.metadata.resourceVersion { resourceVersion = version }
                        switch event.type {
                        case .added, .modified: await handle(.upsert(event.object))
                        case .deleted: await handle(.delete(event.object))
                        case .bookmark: break
                        }
                    }
                    continue watching
                }
            } catch is CancellationError {
                return
            } catch let error as StatusError where error.code == 410 {
                logger.debug("watch expired, re-listing", metadata: ["resource": "\(Object.self)"])
            } catch {
                if Task.isCancelled { return }
                failures += 1
                logger.warning("list/watch failed", metadata: ["resource": "\(Object.self)", "error": "\(error)"])
                let delay = Duration.milliseconds(min(200 << min(failures, 6), 10_000))
                try? await Task.sleep(for: delay)
            }
        }
    }
}
