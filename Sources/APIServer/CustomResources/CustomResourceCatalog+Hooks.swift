import KubeAPI

extension CustomResourceCatalog {
    /// The group/resource of CustomResourceDefinitions.
    static let definitionsGroup = "apiextensions.k8s.io"
    /// See ``definitionsGroup``.
    static let definitionsResource = "customresourcedefinitions"

    /// Whether `descriptor` is the CustomResourceDefinition resource.
    static func isDefinitions(_ descriptor: ResourceDescriptor) -> Bool {
        descriptor.group == definitionsGroup && descriptor.resource == definitionsResource
    }

    /// Registry hooks that validate CustomResourceDefinitions; prune, default and validate custom
    /// objects against their schema; and drop unknown fields from built-in objects. `base` runs first.
    ///
    /// - Parameter pruneBuiltins: Whether built-in objects are pruned now; the server turns it on
    ///   once ready, so its own start-up writes do not pay for loading the schema table.
    public func registryHooks(
        chaining base: RegistryHooks = RegistryHooks(), builtinSchemas: BuiltinSchemaPruner = BuiltinSchemaPruner(),
        pruneBuiltins: @escaping @Sendable () -> Bool = { true }
    ) -> RegistryHooks {
        RegistryHooks(
            prepareForCreate: { [self] descriptor, object in
                try base.prepareForCreate?(descriptor, &object)
                try prepareForCreate(descriptor, &object, builtinSchemas: builtinSchemas, pruneBuiltins: pruneBuiltins())
            },
            prepareForUpdate: { [self] descriptor, object, old in
                try base.prepareForUpdate?(descriptor, &object, old)
                try prepareForUpdate(descriptor, &object, old: old, builtinSchemas: builtinSchemas, pruneBuiltins: pruneBuiltins())
            },
            admission: base.admission
        )
    }

    func prepareForCreate(_ descriptor: ResourceDescriptor, _ object: inout JSONValue, builtinSchemas: BuiltinSchemaPruner, pruneBuiltins: Bool) throws {
        if Self.isDefinitions(descriptor) {
            Self.defaultDefinition(&object)
            builtinSchemas.prune(&object, descriptor: descriptor)
            let errors = CustomResourceDefinitionValidation.errors(object)
            if !errors.isEmpty {
                throw StatusError.invalid(descriptor.groupVersionKind.groupKind, name: object.metadataString("name"), errors: errors)
            }
            return
        }
        if let served = resource(for: descriptor) {
            if served.terminating {
                throw StatusError(
                    code: 405, reason: .methodNotAllowed,
                    message: "create not allowed while custom resource definition is terminating")
            }
            if served.descriptor.subresource("status") != nil { object.setMember("status", nil) }
            try Self.admit(&object, served: served)
            return
        }
        if pruneBuiltins { builtinSchemas.prune(&object, descriptor: descriptor) }
    }

    func prepareForUpdate(_ descriptor: ResourceDescriptor, _ object: inout JSONValue, old: JSONValue, builtinSchemas: BuiltinSchemaPruner, pruneBuiltins: Bool) throws {
        if Self.isDefinitions(descriptor) {
            Self.defaultDefinition(&object)
            builtinSchemas.prune(&object, descriptor: descriptor)
            let errors = CustomResourceDefinitionValidation.updateErrors(object, old: old)
            if !errors.isEmpty {
                throw StatusError.invalid(descriptor.groupVersionKind.groupKind, name: object.metadataString("name"), errors: errors)
            }
            return
        }
        if let served = resource(for: descriptor) {
            try Self.admit(&object, served: served)
            return
        }
        if pruneBuiltins { builtinSchemas.prune(&object, descriptor: descriptor) }
    }

    /// Prunes, defaults and validates a custom object against its version's schema.
    ///
    /// - Throws: 422 Invalid with one cause per problem.
    static func admit(_ object: inout JSONValue, served: ServedCustomResource) throws {
        guard let schema = served.schema else { return }
        schema.prune(&object, isRoot: true)
        schema.applyDefaults(&object)
        var errors: [FieldError] = []
        for (name, member) in object.objectValue ?? [:] where name != "metadata" && name != "apiVersion" && name != "kind" {
            if let child = schema.properties[name] {
                errors += child.validate(member, at: name)
            } else if let additional = schema.additionalProperties {
                errors += additional.validate(member, at: name)
            }
        }
        for name in schema.required where object[name] == nil {
            errors.append(.required(name))
        }
        if !errors.isEmpty {
            let descriptor = served.descriptor
            throw StatusError.invalid(GroupKind(group: descriptor.group, kind: descriptor.kind), name: object.metadataString("name"), errors: errors)
        }
    }

    /// The defaults upstream gives a CRD: `singular`, `listKind`, conversion strategy `None`.
    static func defaultDefinition(_ object: inout JSONValue) {
        guard var spec = object["spec"], spec.objectValue != nil else { return }
        if var names = spec["names"], names.objectValue != nil {
            let kind = names["kind"]?.stringValue ?? ""
            if (names["singular"]?.stringValue ?? "").isEmpty, !kind.isEmpty { names.setMember("singular", .string(kind.lowercased())) }
            if (names["listKind"]?.stringValue ?? "").isEmpty, !kind.isEmpty { names.setMember("listKind", .string(kind + "List")) }
            spec.setMember("names", names)
        }
        if spec["conversion"] == nil { spec.setMember("conversion", ["strategy": "None"]) }
        object.setMember("spec", spec)
    }
}
