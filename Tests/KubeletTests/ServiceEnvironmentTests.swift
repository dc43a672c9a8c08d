import KubeAPI
import Testing
@testable import Kubelet

@Suite("Service environment")
struct ServiceEnvironmentTests {
    func service(_ name: String, namespace: String, ip: String, ports: [CoreV1.ServicePort]) -> CoreV1.Service {
        CoreV1.Service(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace), spec: CoreV1.ServiceSpec(clusterIP: ip, ports: ports))
    }

    @Test("variables of a service with named ports; headless services give none")
    func variables() {
        let redis = service("redis-main", namespace: "prod", ip: "10.43.0.7", ports: [
            CoreV1.ServicePort(name: "db", port: 6379, protocol: "TCP"), CoreV1.ServicePort(name: "metrics", port: 9121, protocol: "UDP"),
        ])
        let headless = service("peers", namespace: "prod", ip: "None", ports: [CoreV1.ServicePort(port: 80)])
        let variables = ServiceEnvironment.variables(for: [redis, headless])
        let map = Dictionary(variables.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(map["REDIS_MAIN_SERVICE_HOST"] == "10.43.0.7")
        #expect(map["REDIS_MAIN_SERVICE_PORT"] == "6379")
        #expect(map["REDIS_MAIN_SERVICE_PORT_DB"] == "6379")
        #expect(map["REDIS_MAIN_SERVICE_PORT_METRICS"] == "9121")
        #expect(map["REDIS_MAIN_PORT"] == "tcp://10.43.0.7:6379")
        #expect(map["REDIS_MAIN_PORT_6379_TCP"] == "tcp://10.43.0.7:6379")
        #expect(map["REDIS_MAIN_PORT_9121_UDP_PROTO"] == "udp")
        #expect(map["REDIS_MAIN_PORT_9121_UDP_PORT"] == "9121")
        #expect(map["REDIS_MAIN_PORT_9121_UDP_ADDR"] == "10.43.0.7")
        #expect(!map.keys.contains { $0.hasPrefix("PEERS") })
        #expect(variables.count == 13)
    }

    @Test("the kubernetes service always; the namespace's only with service links")
    func selection() {
        let all = [
            service("kubernetes", namespace: "default", ip: "10.43.0.1", ports: [CoreV1.ServicePort(name: "https", port: 443)]),
            service("other", namespace: "default", ip: "10.43.0.2", ports: [CoreV1.ServicePort(port: 80)]),
            service("web", namespace: "prod", ip: "10.43.0.3", ports: [CoreV1.ServicePort(port: 80)]),
        ]
        var pod = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: "p", namespace: "prod"), spec: CoreV1.PodSpec())
        #expect(ServiceEnvironment.services(for: pod, from: all).map(\.metadata.name) == ["kubernetes", "web"])
        pod.spec?.enableServiceLinks = false
        #expect(ServiceEnvironment.services(for: pod, from: all).map(\.metadata.name) == ["kubernetes"])
        pod.metadata.namespace = "default"
        pod.spec?.enableServiceLinks = nil
        #expect(ServiceEnvironment.services(for: pod, from: all).map(\.metadata.name) == ["kubernetes", "other"])
        let variables = ServiceEnvironment.variables(for: ServiceEnvironment.services(for: pod, from: all))
        #expect(variables.first { $0.name == "KUBERNETES_SERVICE_PORT_HTTPS" }?.value == "443")
        #expect(variables.first { $0.name == "KUBERNETES_PORT_443_TCP_ADDR" }?.value == "10.43.0.1")
    }
}
