import KubeAPI

extension BootstrapPolicy {
    /// The prefix of controller role names; the rest is the controller's service account in
    /// `kube-system`.
    public static let controllerRolePrefix = "system:controller:"

    /// The `system:controller:*` roles, one per controller.
    static func controllerRoles() -> [RbacV1.ClusterRole] {
        controllerRules.map { clusterRole(controllerRolePrefix + $0.name, $0.rules) }
    }

    /// Each controller's service-account name and rules.
    static var controllerRules: [(name: String, rules: [RbacV1.PolicyRule])] {
        [
            ("attachdetach-controller", [
                rule(["list", "watch"], [core], ["persistentvolumeclaims", "persistentvolumes"]),
                rule(read, [core], ["nodes"]),
                rule(["patch", "update"], [core], ["nodes/status"]),
                rule(["list", "watch"], [core], ["pods"]),
                eventsRule,
                rule(["create", "delete", "get", "list", "watch"], [storage], ["volumeattachments"]),
                rule(read, [storage], ["csidrivers"]),
                rule(read, [storage], ["csinodes"]),
            ]),
            ("clusterrole-aggregation-controller", [
                rule(["escalate", "get", "list", "patch", "update", "watch"], [rbac], ["clusterroles"]),
            ]),
            ("cronjob-controller", [
                rule(["get", "list", "update", "watch"], [batch], ["cronjobs"]),
                rule(["create", "delete", "get", "list", "patch", "update", "watch"], [batch], ["jobs"]),
                rule(["update"], [batch], ["cronjobs/status"]),
                rule(["update"], [batch], ["cronjobs/finalizers"]),
                rule(["delete", "list", "watch"], [core], ["pods"]),
                eventsRule,
            ]),
            ("daemon-set-controller", [
                rule(read, [apps, extensions], ["daemonsets"]),
                rule(["update"], [apps, extensions], ["daemonsets/status"]),
                rule(["update"], [apps, extensions], ["daemonsets/finalizers"]),
                rule(["list", "watch"], [core], ["nodes"]),
                rule(["create", "delete", "list", "patch", "watch"], [core], ["pods"]),
                rule(["create"], [core], ["pods/binding"]),
                rule(["create", "delete", "get", "list", "patch", "update", "watch"], [apps], ["controllerrevisions"]),
                eventsRule,
            ]),
            ("deployment-controller", [
                rule(["get", "list", "update", "watch"], [apps, extensions], ["deployments"]),
                rule(["update"], [apps, extensions], ["deployments/status"]),
                rule(["update"], [apps, extensions], ["deployments/finalizers"]),
                rule(["create", "delete", "get", "list", "patch", "update", "watch"], [apps, extensions], ["replicasets"]),
                rule(["get", "list", "update", "watch"], [core], ["pods"]),
                eventsRule,
            ]),
            ("disruption-controller", [
                rule(read, [apps, extensions], ["deployments"]),
                rule(read, [apps, extensions], ["replicasets"]),
                rule(read, [core], ["replicationcontrollers"]),
                rule(read, [policyGroup], ["poddisruptionbudgets"]),
                rule(read, [apps], ["statefulsets"]),
                rule(["update"], [policyGroup], ["poddisruptionbudgets/status"]),
                rule(["patch", "update"], [core], ["pods/status"]),
                rule(["get"], ["*"], ["*/scale"]),
                eventsRule,
            ]),
            ("endpoint-controller", [
                rule(read, [core], ["pods", "services"]),
                rule(["create", "delete", "get", "list", "update", "watch"], [core], ["endpoints"]),
                rule(["create"], [core], ["endpoints/restricted"]),
                eventsRule,
            ]),
            ("endpointslice-controller", [
                rule(read, [core], ["nodes", "pods", "services"]),
                rule(["update"], [core], ["services/finalizers"]),
                rule(["create", "delete", "get", "list", "update", "watch"], [discovery], ["endpointslices"]),
                eventsRule,
            ]),
            ("endpointslicemirroring-controller", [
                rule(read, [core], ["endpoints", "services"]),
                rule(["update"], [core], ["services/finalizers"]),
                rule(["update"], [core], ["endpoints/finalizers"]),
                rule(["create", "delete", "get", "list", "update", "watch"], [discovery], ["endpointslices"]),
                eventsRule,
            ]),
            ("ephemeral-volume-controller", [
                rule(read, [core], ["pods"]),
                rule(["update"], [core], ["pods/finalizers"]),
                rule(["create", "get", "list", "watch"], [core], ["persistentvolumeclaims"]),
                eventsRule,
            ]),
            ("expand-controller", [
                rule(["get", "list", "patch", "update", "watch"], [core], ["persistentvolumes"]),
                rule(["patch", "update"], [core], ["persistentvolumeclaims/status"]),
                rule(read, [core], ["persistentvolumeclaims"]),
                eventsRule,
                rule(["get"], [core], ["services"]),
            ]),
            ("generic-garbage-collector", [
                rule(["delete", "get", "list", "patch", "update", "watch"], ["*"], ["*"]),
                eventsRule,
            ]),
            ("horizontal-pod-autoscaler", [
                rule(read, [autoscaling], ["horizontalpodautoscalers"]),
                rule(["update"], [autoscaling], ["horizontalpodautoscalers/status"]),
                rule(["get", "update"], ["*"], ["*/scale"]),
                rule(["list", "watch"], [core], ["pods"]),
                rule(["list", "watch"], ["metrics.k8s.io"], ["pods"]),
                rule(read, ["custom.metrics.k8s.io"], ["*"]),
                rule(read, ["external.metrics.k8s.io"], ["*"]),
                eventsRule,
            ]),
            ("job-controller", [
                rule(["get", "list", "patch", "update", "watch"], [batch], ["jobs"]),
                rule(["update"], [batch], ["jobs/status"]),
                rule(["update"], [batch], ["jobs/finalizers"]),
                rule(["create", "delete", "list", "patch", "watch"], [core], ["pods"]),
                eventsRule,
            ]),
            ("namespace-controller", [
                rule(["delete", "get", "list", "watch"], [core], ["namespaces"]),
                rule(["update"], [core], ["namespaces/finalize", "namespaces/status"]),
                rule(["delete", "deletecollection", "get", "list", "watch"], ["*"], ["*"]),
            ]),
            ("node-controller", [
                rule(["delete", "get", "list", "patch", "update", "watch"], [core], ["nodes"]),
                rule(["patch", "update"], [core], ["nodes/status"]),
                rule(["patch", "update"], [core], ["pods/status"]),
                rule(["delete", "get", "list", "watch"], [core], ["pods"]),
                eventsRule,
            ]),
            ("persistent-volume-binder", [
                rule(["create", "delete", "get", "list", "update", "watch"], [core], ["persistentvolumes"]),
                rule(["update"], [core], ["persistentvolumes/status"]),
                rule(["get", "list", "update", "watch"], [core], ["persistentvolumeclaims"]),
                rule(["update"], [core], ["persistentvolumeclaims/status"]),
                rule(["create", "delete", "get", "list", "watch"], [core], ["pods"]),
                rule(read, [storage], ["storageclasses"]),
                rule(["create", "delete", "get"], [core], ["services"]),
                rule(["create", "delete", "get"], [core], ["endpoints"]),
                rule(["get"], [core], ["secrets"]),
                rule(["list", "watch"], [core], ["nodes"]),
                eventsRule,
            ]),
            ("pod-garbage-collector", [
                rule(["delete", "list", "watch"], [core], ["pods"]),
                rule(["get", "list", "watch"], [core], ["nodes"]),
                rule(["patch"], [core], ["pods/status"]),
            ]),
            ("replicaset-controller", [
                rule(["get", "list", "update", "watch"], [apps, extensions], ["replicasets"]),
                rule(["update"], [apps, extensions], ["replicasets/status"]),
                rule(["update"], [apps, extensions], ["replicasets/finalizers"]),
                rule(["create", "delete", "list", "patch", "watch"], [core], ["pods"]),
                eventsRule,
            ]),
            ("replication-controller", [
                rule(["get", "list", "update", "watch"], [core], ["replicationcontrollers"]),
                rule(["update"], [core], ["replicationcontrollers/status"]),
                rule(["update"], [core], ["replicationcontrollers/finalizers"]),
                rule(["create", "delete", "list", "patch", "watch"], [core], ["pods"]),
                eventsRule,
            ]),
            ("resourcequota-controller", [
                rule(["list", "watch"], ["*"], ["*"]),
                rule(["update"], [core], ["resourcequotas/status"]),
                eventsRule,
            ]),
            ("route-controller", [
                rule(["list", "watch"], [core], ["nodes"]),
                rule(["patch"], [core], ["nodes/status"]),
                eventsRule,
            ]),
            ("service-account-controller", [
                rule(["create"], [core], ["serviceaccounts"]),
                eventsRule,
            ]),
            ("service-controller", [
                rule(read, [core], ["services"]),
                rule(["patch", "update"], [core], ["services/status"]),
                rule(["list", "watch"], [core], ["nodes"]),
                eventsRule,
            ]),
            ("statefulset-controller", [
                rule(["list", "watch"], [core], ["pods"]),
                rule(read, [apps], ["statefulsets"]),
                rule(["update"], [apps], ["statefulsets/status"]),
                rule(["update"], [apps], ["statefulsets/finalizers"]),
                rule(["create", "delete", "get", "patch", "update"], [core], ["pods"]),
                rule(["create", "delete", "get", "list", "patch", "update", "watch"], [apps], ["controllerrevisions"]),
                rule(["create", "get"], [core], ["persistentvolumeclaims"]),
                rule(["update"], [core], ["persistentvolumeclaims"]),
                eventsRule,
            ]),
            ("ttl-controller", [
                rule(["list", "patch", "update", "watch"], [core], ["nodes"]),
                eventsRule,
            ]),
            ("certificate-controller", [
                rule(["delete", "get", "list", "watch"], [certificates], ["certificatesigningrequests"]),
                rule(["update"], [certificates], ["certificatesigningrequests/approval", "certificatesigningrequests/status"]),
                rule(["approve"], [certificates], ["signers"], names: ["kubernetes.io/kube-apiserver-client-kubelet"]),
                rule(["sign"], [certificates], ["signers"], names: [
                    "kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet",
                    "kubernetes.io/kubelet-serving", "kubernetes.io/legacy-unknown",
                ]),
                rule(["create"], [authorization], ["subjectaccessreviews"]),
                eventsRule,
            ]),
            ("pvc-protection-controller", [
                rule(["get", "list", "update", "watch"], [core], ["persistentvolumeclaims"]),
                rule(["get", "list", "watch"], [core], ["pods"]),
                eventsRule,
            ]),
            ("pv-protection-controller", [
                rule(["get", "list", "update", "watch"], [core], ["persistentvolumes"]),
                eventsRule,
            ]),
            ("ttl-after-finished-controller", [
                rule(["delete", "get", "list", "watch"], [batch], ["jobs"]),
                eventsRule,
            ]),
            ("root-ca-cert-publisher", [
                rule(["create", "update"], [core], ["configmaps"]),
                eventsRule,
            ]),
            ("legacy-service-account-token-cleaner", [
                rule(["get"], [core], ["configmaps"], names: ["kube-apiserver-legacy-service-account-token-tracking"]),
                rule(["delete", "patch"], [core], ["secrets"]),
            ]),
            ("validatingadmissionpolicy-status-controller", [
                rule(read, ["admissionregistration.k8s.io"], ["validatingadmissionpolicies"]),
                rule(["get", "patch", "update"], ["admissionregistration.k8s.io"], ["validatingadmissionpolicies/status"]),
                eventsRule,
            ]),
            ("service-cidrs-controller", [
                rule(read, [networking], ["ipaddresses", "servicecidrs"]),
                rule(["patch", "update"], [networking], ["servicecidrs/finalizers"]),
                rule(["patch", "update"], [networking], ["servicecidrs/status"]),
                eventsRule,
            ]),
        ]
    }
}
