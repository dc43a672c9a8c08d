import APIServer
import ClusterTesting
import KubeAPI
import KubeClient
import Testing

@Suite("Pod priority admission")
struct PodPriorityAdmissionTests {
    static func pod(_ name: String, priorityClass: String? = nil) -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: .init(name: name, namespace: "default"),
            spec: .init(containers: [.init(image: "nginx", name: "c")], priorityClassName: priorityClass))
    }

    @Test func priorityComesFromTheClass() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            _ = try await client.resource(SchedulingV1.PriorityClass.self).create(
                SchedulingV1.PriorityClass(metadata: .init(name: "high"), preemptionPolicy: "Never", value: 1000))
            let pods = client.resource(CoreV1.Pod.self)
            let high = try await pods.create(Self.pod("a", priorityClass: "high"))
            #expect(high.spec?.priority == 1000)
            #expect(high.spec?.preemptionPolicy == "Never")
            let plain = try await pods.create(Self.pod("b"))
            #expect(plain.spec?.priority == 0)
            let critical = try await pods.create(Self.pod("c", priorityClass: "system-node-critical"))
            #expect(critical.spec?.priority == 2_000_001_000)
        }
    }

    @Test func anUnknownClassIsForbidden() async throws {
        try await TestAPIServer.with { server in
            let pods = server.client().resource(CoreV1.Pod.self)
            let error = await #expect(throws: StatusError.self) { try await pods.create(Self.pod("x", priorityClass: "missing")) }
            #expect(error?.code == 403)
            #expect(error?.message.contains("no PriorityClass with name missing was found") == true)
            await #expect(throws: StatusError.self) { try await pods.get("x", namespace: "default") }
        }
    }

    @Test func theGlobalDefaultAppliesToPodsWithoutAClass() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            _ = try await client.resource(SchedulingV1.PriorityClass.self).create(
                SchedulingV1.PriorityClass(globalDefault: true, metadata: .init(name: "everyone"), value: 7))
            let pod = try await client.resource(CoreV1.Pod.self).create(Self.pod("d"))
            #expect(pod.spec?.priority == 7)
            #expect(pod.spec?.priorityClassName == "everyone")
        }
    }

    @Test func newPodsGetTheServiceAccountTokenVolume() async throws {
        try await TestAPIServer.with { server in
            let pods = server.client().resource(CoreV1.Pod.self)
            var spec = Self.pod("sa").spec!
            spec.initContainers = [.init(image: "busybox", name: "init")]
            let pod = try await pods.create(CoreV1.Pod(metadata: .init(name: "sa", namespace: "default"), spec: spec))
            let volume = try #require(pod.spec?.volumes?.first { $0.name?.hasPrefix("kube-api-access-") == true })
            #expect(volume.projected?.sources?.count == 3)
            #expect(volume.projected?.sources?.first?.serviceAccountToken?.expirationSeconds == 3607)
            for container in (pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? []) {
                let mount = container.volumeMounts?.first { $0.name == volume.name }
                #expect(mount?.mountPath == "/var/run/secrets/kubernetes.io/serviceaccount")
                #expect(mount?.readOnly == true)
            }
            #expect(pod.spec?.serviceAccountName == "default")

            var optOut = Self.pod("none").spec!
            optOut.automountServiceAccountToken = false
            let plain = try await pods.create(CoreV1.Pod(metadata: .init(name: "none", namespace: "default"), spec: optOut))
            #expect(plain.spec?.volumes == nil)

            // Updates keep the volume (and do not add another one).
            let relabelled = try await pods.patch("sa", namespace: "default", type: .merge, body: ["metadata": ["labels": ["a": "b"]]])
            #expect(relabelled.spec?.volumes?.count == 1)
        }
    }
}
