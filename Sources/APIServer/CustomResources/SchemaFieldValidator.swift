import KubeAPI

/// The server's ``FieldValidator``: unknown fields of custom objects come from their CRD's
/// schema, those of built-in objects from the built-in OpenAPI schema. `metadata` members are
/// left to the REST handler, which checks them for every kind.
public struct SchemaFieldValidator: FieldValidator {
    /// The custom resources served.
    public let catalog: CustomResourceCatalog
    /// The built-in schema walker.
    public let builtin: BuiltinSchemaPruner

    /// Creates the validator.
    public init(catalog: CustomResourceCatalog, builtin: BuiltinSchemaPruner = BuiltinSchemaPruner()) {
        self.catalog = catalog
        self.builtin = builtin
    }

    /// See ``FieldValidator/unknownFields(in:descriptor:)``.
    public func unknownFields(in object: JSONValue, descriptor: ResourceDescriptor) -> [String] {
        let paths: [String]
        if let served = catalog.resource(for: descriptor) {
            paths = served.schema?.unknownFields(in: object, isRoot: true) ?? []
        } else {
            paths = builtin.unknownFields(in: object, descriptor: descriptor)
        }
        return paths.filter { !$0.hasPrefix("metadata.") }
    }
}
