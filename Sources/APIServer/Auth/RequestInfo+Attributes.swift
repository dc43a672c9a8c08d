import HTTPTypes
import KubeAPI

extension RequestInfo {
    /// A resource request built from its parts (as an access review names them) rather than
    /// parsed from a path.
    public static func resource(
        verb: String, group: String = "", version: String = "", resource: String, subresource: String = "",
        namespace: String = "", name: String = ""
    ) -> RequestInfo {
        var info = RequestInfo(method: .get, path: "", query: [])
        info.isResourceRequest = true
        info.verb = verb
        info.apiPrefix = group.isEmpty ? "api" : "apis"
        info.apiGroup = group
        info.apiVersion = version
        info.resource = resource
        info.subresource = subresource
        info.namespace = namespace
        info.name = name
        info.path = ""
        return info
    }

    /// A non-resource request for `path` with `verb` (a lower-case HTTP method).
    public static func nonResource(verb: String, path: String) -> RequestInfo {
        var info = RequestInfo(method: .get, path: path, query: [])
        info.isResourceRequest = false
        info.verb = verb
        return info
    }
}
