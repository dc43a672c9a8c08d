import KubeAPI

/// The pod's quality-of-service class from its containers' CPU and memory requests and limits.
public enum PodQOS {
    /// `Guaranteed` when every container limits CPU and memory and requests what it limits,
    /// `BestEffort` when no container requests or limits either, `Burstable` otherwise.
    public static func qosClass(of spec: CoreV1.PodSpec?) -> String {
        let containers = (spec?.initContainers ?? []) + (spec?.containers ?? [])
        let resources = ["cpu", "memory"]
        var anySet = false
        var guaranteed = !containers.isEmpty
        for container in containers {
            let requests = container.resources?.requests ?? [:]
            let limits = container.resources?.limits ?? [:]
            for name in resources {
                let request = requests[name]
                let limit = limits[name]
                if let request, !request.isZero { anySet = true }
                if let limit, !limit.isZero { anySet = true }
                guard let limit, !limit.isZero else {
                    guaranteed = false
                    continue
                }
                if let request, request != limit { guaranteed = false }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
