import Datastore
import KubeAPI

extension WatchCache {
    /// One page of a paged list (`limit`, `continue`) served from the cache: up to `limit`
    /// matching objects under `listPrefix` after `afterKey`, as of `revision` (the cache's
    /// current revision when `nil`). The continue token is the datastore's, so the next page
    /// can come from either.
    ///
    /// Returns `nil` when the cache cannot show the resource as of `revision`: the revision is
    /// newer than the cache, or the resource changed after it (the datastore then serves the
    /// page from its history).
    func page(prefix: String, listPrefix: String, filter: ListFilter, limit: Int, after afterKey: String?, revision: Int64?) -> ListPage? {
        state.withLock { state -> ListPage? in
            guard let resource = state.resources[prefix], resource.pending == nil else { return nil }
            let at = revision ?? state.revision
            let lastChange = max(resource.windowStart, resource.events.last?.revision ?? 0)
            guard at > 0, at <= state.revision, at >= lastChange else { return nil }
            let keys = Self.range(of: listPrefix, in: resource.sortedKeys)
            var index = keys.startIndex
            if let afterKey {
                var low = keys.startIndex, high = keys.endIndex
                while low < high {
                    let mid = (low + high) / 2
                    if keys[mid].utf8.lexicographicallyPrecedes(afterKey.utf8) || keys[mid] == afterKey { low = mid + 1 } else { high = mid }
                }
                index = low
            }
            let selecting = !filter.labels.isEverything || !filter.fields.isEverything
            var objects: [CachedObject] = []
            objects.reserveCapacity(min(limit, keys.endIndex - index))
            var lastKey: String?
            while index < keys.endIndex, objects.count < limit {
                let key = keys[index]
                index += 1
                guard let object = resource.objects[key] else { continue }
                lastKey = key
                if filter.matches(object) { objects.append(object) }
            }
            guard index < keys.endIndex, let lastKey else {
                return ListPage(objects: objects, revision: at)
            }
            let token = ContinueToken(revision: at, lastKey: lastKey, prefix: listPrefix)
            return ListPage(
                objects: objects, revision: at, continueToken: token.encoded(),
                remainingItemCount: selecting ? nil : keys.endIndex - index)
        }
    }
}
