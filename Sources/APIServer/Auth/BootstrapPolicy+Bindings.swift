import KubeAPI

extension BootstrapPolicy {
    /// The default ClusterRoleBindings.
    public static func clusterRoleBindings(_ options: Options = Options()) -> [RbacV1.ClusterRoleBinding] {
        var bindings = [
            clusterBinding("cluster-admin", [group("system:masters")]),
            clusterBinding("system:monitoring", [group("system:monitoring")]),
            clusterBinding("system:discovery", [group("system:authenticated")]),
            clusterBinding("system:basic-user", [group("system:authenticated")]),
            clusterBinding("system:public-info-viewer", [group("system:authenticated"), group("system:unauthenticated")]),
            // K3s's agents proxy Services with the node's own credentials: nodes get the proxier's
            // read access to Services and EndpointSlices.
            clusterBinding("system:node-proxier", [user("system:kube-proxy"), group("system:nodes")]),
            clusterBinding("system:kube-controller-manager", [user("system:kube-controller-manager")]),
            clusterBinding("system:kube-dns", [serviceAccount("kube-system", "kube-dns")]),
            // Every node answers cluster DNS from its own informers (K3s gives CoreDNS this role).
            clusterBinding("system:coredns", [group("system:nodes")]),
            clusterBinding("system:k3s-controller", [group("system:nodes")]),
            clusterBinding("system:kube-scheduler", [user("system:kube-scheduler")]),
            clusterBinding("system:volume-scheduler", [user("system:kube-scheduler")]),
            clusterBinding("system:node", options.bindNodesGroup ? [group("system:nodes")] : []),
            clusterBinding("system:service-account-issuer-discovery", [group("system:serviceaccounts")]),
        ]
        bindings += controllerRules.map { entry in
            clusterBinding(controllerRolePrefix + entry.name, [serviceAccount("kube-system", entry.name)])
        }
        return bindings
    }

    /// The default namespaced Roles (in `kube-system` and `kube-public`).
    public static func roles() -> [RbacV1.Role] {
        func role(_ name: String, _ namespace: String, _ rules: [RbacV1.PolicyRule]) -> RbacV1.Role {
            RbacV1.Role(metadata: meta(name, namespace: namespace), rules: rules)
        }
        return [
            role("extension-apiserver-authentication-reader", "kube-system", [
                rule(read, [core], ["configmaps"], names: ["extension-apiserver-authentication"]),
            ]),
            role("system::leader-locking-kube-controller-manager", "kube-system", [
                rule(["watch"], [core], ["configmaps"]),
                rule(["get", "update"], [core], ["configmaps"], names: ["kube-controller-manager"]),
            ]),
            role("system::leader-locking-kube-scheduler", "kube-system", [
                rule(["watch"], [core], ["configmaps"]),
                rule(["get", "update"], [core], ["configmaps"], names: ["kube-scheduler"]),
            ]),
            role("system:controller:bootstrap-signer", "kube-system", [
                rule(read, [core], ["secrets"]),
            ]),
            role("system:controller:cloud-provider", "kube-system", [
                rule(["create", "get", "list", "watch"], [core], ["configmaps"]),
            ]),
            role("system:controller:token-cleaner", "kube-system", [
                rule(["delete", "get", "list", "watch"], [core], ["secrets"]),
                eventsRule,
            ]),
            role("system:controller:bootstrap-signer", "kube-public", [
                rule(read, [core], ["configmaps"]),
                rule(["update"], [core], ["configmaps"], names: ["cluster-info"]),
                eventsRule,
            ]),
        ]
    }

    /// The default namespaced RoleBindings.
    public static func roleBindings() -> [RbacV1.RoleBinding] {
        func binding(_ name: String, _ namespace: String, role: String? = nil, _ subjects: [RbacV1.Subject]) -> RbacV1.RoleBinding {
            RbacV1.RoleBinding(
                metadata: meta(name, namespace: namespace),
                roleRef: RbacV1.RoleRef(apiGroup: rbac, kind: "Role", name: role ?? name), subjects: subjects)
        }
        return [
            binding("system::extension-apiserver-authentication-reader", "kube-system", role: "extension-apiserver-authentication-reader", [
                user("system:kube-controller-manager"), user("system:kube-scheduler"),
            ]),
            binding("system::leader-locking-kube-controller-manager", "kube-system", [
                user("system:kube-controller-manager"), serviceAccount("kube-system", "kube-controller-manager"),
            ]),
            binding("system::leader-locking-kube-scheduler", "kube-system", [
                user("system:kube-scheduler"), serviceAccount("kube-system", "kube-scheduler"),
            ]),
            binding("system:controller:bootstrap-signer", "kube-system", [serviceAccount("kube-system", "bootstrap-signer")]),
            binding("system:controller:cloud-provider", "kube-system", [serviceAccount("kube-system", "cloud-provider")]),
            binding("system:controller:token-cleaner", "kube-system", [serviceAccount("kube-system", "token-cleaner")]),
            binding("system:controller:bootstrap-signer", "kube-public", [serviceAccount("kube-system", "bootstrap-signer")]),
        ]
    }
}
