import KubeAPI

extension TablePrinter {
    /// The `Content-Type` of a Table response.
    public static let tableMediaType = "application/json;as=Table;v=v1;g=meta.k8s.io"

    /// Whether an `Accept` header asks for a Table (`application/json;as=Table;v=v1;g=meta.k8s.io`,
    /// `v1beta1` too) ahead of a plain object. kubectl sends the Table type first, then plain JSON
    /// as a fallback; a Table is wanted when any JSON media range names it.
    public static func acceptsTable(_ accept: String) -> Bool {
        MediaRange.ranges(of: accept).contains { $0.conversion(as: "Table", group: "meta.k8s.io", versions: ["v1", "v1beta1"]) != nil }
    }
}
