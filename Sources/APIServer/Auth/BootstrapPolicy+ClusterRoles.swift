import KubeAPI

extension BootstrapPolicy {
    /// The default ClusterRoles (aggregated ones with empty rules, as created; aggregation fills
    /// them).
    public static func clusterRoles() -> [RbacV1.ClusterRole] {
        userFacingRoles() + systemRoles() + controllerRoles()
    }

    /// `cluster-admin`, `admin`, `edit`, `view` and the `system:aggregate-to-*` parts.
    static func userFacingRoles() -> [RbacV1.ClusterRole] {
        [
            clusterRole("cluster-admin", [
                rule(["*"], ["*"], ["*"]),
                paths(["*"], ["*"]),
            ]),
            clusterRole("admin", aggregating: [aggregateToAdmin], []),
            clusterRole("edit", labels: [aggregateToAdmin: "true"], aggregating: [aggregateToEdit], []),
            clusterRole("view", labels: [aggregateToEdit: "true"], aggregating: [aggregateToView], []),
            clusterRole("system:aggregate-to-admin", labels: [aggregateToAdmin: "true"], [
                rule(["create"], [authorization], ["localsubjectaccessreviews"]),
                rule(readWrite, [rbac], ["rolebindings", "roles"]),
            ]),
            clusterRole("system:aggregate-to-edit", labels: [aggregateToEdit: "true"], [
                rule(read, [core], ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"]),
                rule(["impersonate"], [core], ["serviceaccounts"]),
                rule(write, [core], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]),
                rule(["create"], [core], ["pods/eviction"]),
                rule(write, [core], [
                    "configmaps", "events", "persistentvolumeclaims", "replicationcontrollers",
                    "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy",
                ]),
                rule(["create"], [core], ["serviceaccounts/token"]),
                rule(write, [apps], [
                    "daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
                    "replicasets/scale", "statefulsets", "statefulsets/scale",
                ]),
                rule(write, [autoscaling], ["horizontalpodautoscalers"]),
                rule(write, [batch], ["cronjobs", "jobs"]),
                rule(write, [extensions], [
                    "daemonsets", "deployments", "deployments/rollback", "deployments/scale", "ingresses",
                    "networkpolicies", "replicasets", "replicasets/scale", "replicationcontrollers/scale",
                ]),
                rule(write, [policyGroup], ["poddisruptionbudgets"]),
                rule(write, [networking], ["ingresses", "networkpolicies"]),
                rule(readWrite, [coordination], ["leases"]),
            ]),
            // What K3s's bundled metrics-server adds: reading metrics.k8s.io comes with view,
            // edit and admin, so `kubectl top` works for anyone who may read pods.
            clusterRole("system:aggregated-metrics-reader", labels: [aggregateToView: "true", aggregateToEdit: "true", aggregateToAdmin: "true"], [
                rule(read, ["metrics.k8s.io"], ["pods", "nodes"]),
            ]),
            clusterRole("system:aggregate-to-view", labels: [aggregateToView: "true"], [
                rule(read, [core], [
                    "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
                    "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
                    "services/status",
                ]),
                rule(read, [core], [
                    "bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
                    "replicationcontrollers/status", "resourcequotas", "resourcequotas/status",
                ]),
                rule(read, [core], ["namespaces"]),
                rule(read, [discovery], ["endpointslices"]),
                rule(read, [apps], [
                    "controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                    "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
                    "statefulsets/scale", "statefulsets/status",
                ]),
                rule(read, [autoscaling], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
                rule(read, [batch], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
                rule(read, [extensions], [
                    "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
                    "ingresses", "ingresses/status", "networkpolicies", "replicasets", "replicasets/scale",
                    "replicasets/status", "replicationcontrollers/scale",
                ]),
                rule(read, [policyGroup], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
                rule(read, [networking], ["ingresses", "ingresses/status", "networkpolicies"]),
            ]),
        ]
    }

    /// Discovery, basic-user, public-info, monitoring, node and component roles.
    static func systemRoles() -> [RbacV1.ClusterRole] {
        [
            clusterRole("system:discovery", [
                paths(["get"], [
                    "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
                    "/readyz", "/version", "/version/",
                ]),
            ]),
            clusterRole("system:basic-user", [
                rule(["create"], [authorization], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                rule(["create"], [authentication], ["selfsubjectreviews"]),
            ]),
            clusterRole("system:public-info-viewer", [
                paths(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"]),
            ]),
            clusterRole("system:monitoring", [
                paths(["get"], [
                    "/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz", "/readyz/*",
                ]),
            ]),
            clusterRole("system:auth-delegator", [
                rule(["create"], [authentication], ["tokenreviews"]),
                rule(["create"], [authorization], ["subjectaccessreviews"]),
            ]),
            clusterRole("system:heapster", [
                rule(read, [core], ["events", "namespaces", "nodes", "pods"]),
                rule(read, [apps, extensions], ["deployments"]),
            ]),
            clusterRole("system:node", [
                rule(["create"], [authentication], ["tokenreviews"]),
                rule(["create"], [authorization], ["localsubjectaccessreviews", "subjectaccessreviews"]),
                rule(read, [core], ["services"]),
                rule(["create", "get", "list", "watch"], [core], ["nodes"]),
                rule(["patch", "update"], [core], ["nodes/status"]),
                rule(["patch", "update"], [core], ["nodes"]),
                rule(["create", "patch", "update"], [core, events], ["events"]),
                rule(read, [core], ["pods"]),
                rule(["create", "delete"], [core], ["pods"]),
                rule(["patch", "update"], [core], ["pods/status"]),
                rule(["create"], [core], ["pods/eviction"]),
                rule(["get"], [core], ["configmaps", "secrets"]),
                rule(["get"], [core], ["persistentvolumeclaims", "persistentvolumes"]),
                rule(["get"], [core], ["endpoints"]),
                rule(["create", "get", "list", "watch"], [certificates], ["certificatesigningrequests"]),
                rule(["create", "delete", "get", "patch", "update"], [coordination], ["leases"]),
                rule(["get"], [storage], ["volumeattachments"]),
                rule(["create"], [core], ["serviceaccounts/token"]),
                rule(["get", "patch", "update"], [core], ["persistentvolumeclaims/status"]),
                rule(["get"], [storage], ["csidrivers"]),
                rule(["create", "delete", "get", "patch", "update"], [storage], ["csinodes"]),
                rule(read, ["node.k8s.io"], ["runtimeclasses"]),
            ]),
            clusterRole("system:node-proxier", [
                rule(["list", "watch"], [core], ["endpoints", "services"]),
                rule(["get", "list", "watch"], [core], ["nodes"]),
                rule(["create", "patch", "update"], [core, events], ["events"]),
                rule(["list", "watch"], [discovery], ["endpointslices"]),
                rule(["list", "watch"], [networking], ["servicecidrs"]),
            ]),
            clusterRole("system:node-bootstrapper", [
                rule(["create", "get", "list", "watch"], [certificates], ["certificatesigningrequests"]),
            ]),
            clusterRole("system:kube-dns", [
                rule(["list", "watch"], [core], ["endpoints", "services"]),
                rule(["list", "watch"], [discovery], ["endpointslices"]),
            ]),
            // K3s's agent controller role, held by every node here: NetworkPolicy enforcement and
            // the built-in ingress proxy (whose TLS certificates are Secrets) run in the node.
            clusterRole("system:k3s-controller", [
                rule(["list", "watch"], [core], ["namespaces", "pods", "services", "endpoints", "secrets"]),
                rule(["list", "watch"], [discovery], ["endpointslices"]),
                rule(["list", "watch"], [networking], ["networkpolicies", "ingresses", "ingressclasses"]),
                rule(["patch", "update"], [networking], ["ingresses/status"]),
                rule(["create", "patch", "update"], [core, events], ["events"]),
            ]),
            // K3s's CoreDNS role; here the nodes' built-in cluster DNS holds it.
            clusterRole("system:coredns", [
                rule(["list", "watch"], [core], ["endpoints", "services", "pods", "namespaces"]),
                rule(["list", "watch"], [discovery], ["endpointslices"]),
            ]),
            clusterRole("system:persistent-volume-provisioner", [
                rule(["create", "delete", "get", "list", "watch"], [core], ["persistentvolumes"]),
                rule(["get", "list", "update", "watch"], [core], ["persistentvolumeclaims"]),
                rule(read, [storage], ["storageclasses"]),
                rule(["list", "watch"], [core], ["events"]),
                eventsRule,
            ]),
            clusterRole("system:volume-scheduler", [
                rule(["get", "list", "patch", "update", "watch"], [core], ["persistentvolumes"]),
                rule(read, [storage], ["storageclasses"]),
                rule(["get", "list", "patch", "update", "watch"], [core], ["persistentvolumeclaims"]),
            ]),
            clusterRole("system:kube-scheduler", [
                rule(["create", "patch", "update"], [core, events], ["events"]),
                rule(["create"], [coordination], ["leases"]),
                rule(["get", "update"], [coordination], ["leases"], names: ["kube-scheduler"]),
                rule(["create"], [core], ["endpoints"]),
                rule(["get", "update"], [core], ["endpoints"], names: ["kube-scheduler"]),
                rule(read, [core], ["nodes"]),
                rule(["delete", "get", "list", "watch"], [core], ["pods"]),
                rule(["create"], [core], ["bindings", "pods/binding"]),
                rule(["patch", "update"], [core], ["pods/status"]),
                rule(read, [core], ["replicationcontrollers", "services"]),
                rule(read, [apps, extensions], ["replicasets"]),
                rule(read, [apps], ["statefulsets"]),
                rule(read, [policyGroup], ["poddisruptionbudgets"]),
                rule(["get", "list", "patch", "update", "watch"], [core], ["persistentvolumeclaims", "persistentvolumes"]),
                rule(["create"], [authentication], ["tokenreviews"]),
                rule(["create"], [authorization], ["subjectaccessreviews"]),
                rule(read, [storage], ["csidrivers", "csinodes", "csistoragecapacities"]),
                rule(read, [core], ["namespaces"]),
                rule(read, [storage], ["storageclasses"]),
                rule(read, [storage], ["volumeattachments"]),
            ]),
            clusterRole("system:kube-controller-manager", [
                rule(["create", "patch", "update"], [core, events], ["events"]),
                rule(["create"], [coordination], ["leases"]),
                rule(["get", "update"], [coordination], ["leases"], names: ["kube-controller-manager"]),
                rule(["create"], [core], ["endpoints"]),
                rule(["get", "update"], [core], ["endpoints"], names: ["kube-controller-manager"]),
                rule(["create"], [core], ["secrets", "serviceaccounts"]),
                rule(["delete"], [core], ["secrets"]),
                rule(["get"], [core], ["configmaps", "namespaces", "secrets", "serviceaccounts"]),
                rule(["update"], [core], ["secrets", "serviceaccounts"]),
                rule(["create"], [authentication], ["tokenreviews"]),
                rule(["create"], [authorization], ["subjectaccessreviews"]),
                rule(["list", "watch"], ["*"], ["*"]),
                rule(["create"], [core], ["serviceaccounts/token"]),
            ]),
            clusterRole("system:certificates.k8s.io:certificatesigningrequests:nodeclient", [
                rule(["create"], [certificates], ["certificatesigningrequests/nodeclient"]),
            ]),
            clusterRole("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [
                rule(["create"], [certificates], ["certificatesigningrequests/selfnodeclient"]),
            ]),
            clusterRole("system:service-account-issuer-discovery", [
                paths(["get"], ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"]),
            ]),
        ]
    }
}
