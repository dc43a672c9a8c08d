import KubeAPI

/// How RBAC compares one policy rule, and one binding subject, with a request.
public enum RBACRuleMatching {
    /// Whether `rule` allows the request described by `request` (verb, group, resource and
    /// subresource, name; or verb and path for non-resource requests).
    public static func allows(_ rule: RbacV1.PolicyRule, _ request: RequestInfo) -> Bool {
        guard verbMatches(rule, request.verb) else { return false }
        if request.isResourceRequest {
            return groupMatches(rule, request.apiGroup)
                && resourceMatches(rule, resource: request.resource, subresource: request.subresource)
                && nameMatches(rule, request.name)
        }
        return pathMatches(rule, request.path)
    }

    /// `*` or the verb itself.
    public static func verbMatches(_ rule: RbacV1.PolicyRule, _ verb: String) -> Bool {
        (rule.verbs ?? []).contains { $0 == "*" || $0 == verb }
    }

    /// `*` or the group itself (`""` for core).
    public static func groupMatches(_ rule: RbacV1.PolicyRule, _ group: String) -> Bool {
        (rule.apiGroups ?? []).contains { $0 == "*" || $0 == group }
    }

    /// `*`, `resource` (without subresource), `resource/subresource`, or `*/subresource`.
    public static func resourceMatches(_ rule: RbacV1.PolicyRule, resource: String, subresource: String) -> Bool {
        let combined = subresource.isEmpty ? resource : "\(resource)/\(subresource)"
        return (rule.resources ?? []).contains { entry in
            if entry == "*" || entry == combined { return true }
            return !subresource.isEmpty && entry == "*/\(subresource)"
        }
    }

    /// No `resourceNames` (any object), or the named object among them. A rule with names never
    /// matches a request without a name (list, create, deletecollection).
    public static func nameMatches(_ rule: RbacV1.PolicyRule, _ name: String) -> Bool {
        guard let names = rule.resourceNames, !names.isEmpty else { return true }
        return names.contains(name)
    }

    /// `*`, the path itself, or a `prefix*` entry the path starts with.
    public static func pathMatches(_ rule: RbacV1.PolicyRule, _ path: String) -> Bool {
        (rule.nonResourceURLs ?? []).contains { entry in
            if entry == "*" || entry == path { return true }
            if entry.hasSuffix("*") { return path.hasPrefix(entry.dropLast()) }
            return false
        }
    }

    /// Whether a binding subject names `user`. Service-account subjects without a namespace take
    /// `bindingNamespace` (empty for cluster role bindings, where they then match nobody).
    public static func subjectMatches(_ subject: RbacV1.Subject, user: UserInfo, bindingNamespace: String) -> Bool {
        switch subject.kind {
        case "User":
            return subject.name == user.name
        case "Group":
            guard let name = subject.name else { return false }
            return user.groups.contains(name)
        case "ServiceAccount":
            let namespace = (subject.namespace?.isEmpty == false ? subject.namespace : nil) ?? bindingNamespace
            guard !namespace.isEmpty, let name = subject.name, !name.isEmpty else { return false }
            return user.name == ServiceAccountNames.userName(namespace: namespace, name: name)
        default:
            return false
        }
    }

    /// `User "bob"`, `Group "g"`, `ServiceAccount "name/namespace"`, as RBAC's reasons print them.
    static func describe(_ subject: RbacV1.Subject, bindingNamespace: String) -> String {
        let name = subject.name ?? ""
        if subject.kind == "ServiceAccount" {
            let namespace = (subject.namespace?.isEmpty == false ? subject.namespace : nil) ?? bindingNamespace
            return "ServiceAccount \"\(name)/\(namespace)\""
        }
        return "\(subject.kind ?? "") \"\(name)\""
    }
}
