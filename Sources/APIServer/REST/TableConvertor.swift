import KubeAPI

/// Turns objects into a `meta.k8s.io/v1` `Table` for clients that ask for one
/// (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, what `kubectl get` sends).
public protocol TableConvertor: Sendable {
    /// The Table for `objects` of `descriptor`'s kind, or `nil` when this convertor cannot
    /// make one (the handler then falls back to JSON if the client accepts it, else 406).
    ///
    /// - Parameters:
    ///   - objects: The objects, `metadata.resourceVersion` set.
    ///   - descriptor: What they are.
    ///   - listMetadata: The list's `metadata` (`resourceVersion`, `continue`, ...), to copy
    ///     into the Table; `nil` for a single object.
    ///   - includeObject: The `includeObject` parameter (`None`, `Metadata`, `Object`), `nil` if absent.
    func table(
        for objects: [JSONValue], descriptor: ResourceDescriptor, listMetadata: JSONValue?, includeObject: String?
    ) -> JSONValue?
}

/// Finds the fields of an object its schema does not know (for `fieldValidation`).
public protocol FieldValidator: Sendable {
    /// The JSON paths (`spec.foo`) of the unknown fields of `object`, in document order;
    /// empty when it knows nothing about the kind.
    func unknownFields(in object: JSONValue, descriptor: ResourceDescriptor) -> [String]
}
