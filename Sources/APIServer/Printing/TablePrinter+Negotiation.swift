import KubeAPI

extension TablePrinter {
    /// The `Content-Type` of a Table response.
    public static let tableMediaType = "application/json;as=Table;v=v1;g=meta.k8s.io"

    /// Whether an `Accept` header asks for a Table (`application/json;as=Table;v=v1;g=meta.k8s.io`,
    /// `v1beta1` too) ahead of a plain object. kubectl sends the Table type first, then plain JSON
    /// as a fallback; a Table is wanted when any JSON media range names it.
    public static func acceptsTable(_ accept: String) -> Bool {
        for range in accept.split(separator: ",") {
            let fields = range.split(separator: ";").map { $0.trimmingSpaces().lowercased() }
            guard fields.first == "application/json" else { continue }
            var parameters: [String: String] = [:]
            for field in fields.dropFirst() {
                let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { parameters[pair[0]] = pair[1] }
            }
            if parameters["as"] == "table", parameters["g"] == "meta.k8s.io", parameters["v"] == "v1" || parameters["v"] == "v1beta1" {
                return true
            }
        }
        return false
    }
}
