import KubeAPI

extension AdmissionChain {
    /// The strategies of the built-in kinds, with a ``ServiceAllocator`` for Services and,
    /// when given a way to read PriorityClasses, pod priority resolution, and when given a way to
    /// read IngressClasses, the default class for new Ingresses, and when given a way to read
    /// StorageClasses, the default class for new PersistentVolumeClaims.
    public static func builtin(
        services: ServiceAllocator,
        priorityClass: (@Sendable (String) async throws -> JSONValue?)? = nil,
        priorityClasses: (@Sendable () async throws -> [JSONValue])? = nil,
        ingressClasses: (@Sendable () async throws -> [JSONValue])? = nil,
        storageClasses: (@Sendable () async throws -> [JSONValue])? = nil
    ) -> AdmissionChain {
        let workloads: [(String, String, any ObjectStrategy)] = [
            ("", "pods", PodStrategy()),
            ("", "podtemplates", PodTemplateStrategy()),
            ("", "replicationcontrollers", ReplicationControllerStrategy()),
            ("apps", "deployments", DeploymentStrategy()),
            ("apps", "replicasets", ReplicaSetStrategy()),
            ("apps", "statefulsets", StatefulSetStrategy()),
            ("apps", "daemonsets", DaemonSetStrategy()),
            ("batch", "jobs", JobStrategy()),
            ("batch", "cronjobs", CronJobStrategy()),
            ("", "services", ServiceStrategy(family: services.serviceIPRange.family.rawValue)),
            ("", "configmaps", ConfigMapStrategy()),
            ("", "secrets", SecretStrategy()),
            ("", "persistentvolumeclaims", PersistentVolumeClaimStrategy()),
        ]
        var strategies: [GroupResource: any ObjectStrategy] = [:]
        for (group, resource, strategy) in workloads {
            strategies[GroupResource(group: group, resource: resource)] = strategy
        }
        return AdmissionChain(
            strategies: strategies,
            allocators: {
                var allocators: [GroupResource: any ObjectAllocator] = [GroupResource(group: "", resource: "services"): services]
                if let priorityClass, let priorityClasses {
                    allocators[GroupResource(group: "", resource: "pods")] = PodPriorityAdmission(
                        priorityClass: priorityClass, priorityClasses: priorityClasses)
                }
                if let ingressClasses {
                    allocators[GroupResource(group: "networking.k8s.io", resource: "ingresses")] = DefaultIngressClassAdmission(
                        ingressClasses: ingressClasses)
                }
                if let storageClasses {
                    allocators[GroupResource(group: "", resource: "persistentvolumeclaims")] = DefaultStorageClassAdmission(
                        storageClasses: storageClasses)
                }
                return allocators
            }()
        )
    }
}
