import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import Testing
@testable import Kubelet

@Suite("Kubelet: pod configs and volumes against an in-process API server", .serialized)
struct KubeletPodResourcesTests {
    let logger = Logger(label: "kubelet-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A started server and a hollow-runtime kubelet that keeps volumes under a temp root.
    func withKubelet(asNode: Bool = false, _ body: (KubeClient, ManualClock, FakeRuntimeClient, String, Kubelet) async throws -> Void) async throws {
        try await withVolumeRoot { root in
            try await TestAPIServer.with { server in
                let client = server.client()
                let manual = ManualClock()
                let clock = KubeletClock(manual)
                let runtime = FakeRuntimeClient(clock: clock)
                var configuration = KubeletConfiguration(
                    nodeName: "node-a", nodeIP: "10.0.0.5", podCIDR: "10.42.5.0/24", clusterDNS: ["10.43.0.10"])
                configuration.rootDirectory = root + "/kubelet"
                configuration.podLogsDirectory = root + "/logs"
                configuration.serviceEnvironment = true
                let kubelet = Kubelet(
                    client: asNode ? server.client(as: .node("node-a")) : client, configuration: configuration,
                    runtime: runtime, clock: clock, logger: logger)
                let running = Task { try await kubelet.run() }
                let outcome: Result<Void, any Error>
                do {
                    try await body(client, manual, runtime, root + "/kubelet", kubelet)
                    outcome = .success(())
                } catch {
                    outcome = .failure(error)
                }
                running.cancel()
                _ = await running.result
                try outcome.get()
            }
        }
    }

    /// Deletes pod `web` at once and waits until the kubelet removed its directory.
    func deleteAndAwaitCleanup(_ pods: ResourceClient<CoreV1.Pod>, clock: ManualClock, directory: String) async throws {
        var options = DeleteOptions()
        options.gracePeriodSeconds = 0
        _ = try await pods.delete("web", namespace: "default", options: options)
        try await eventually("the pod directory to go") {
            clock.advance(by: .seconds(1))
            return NodeFiles.kind(directory) == .missing
        }
    }

    func pod(_ name: String, volumes: [CoreV1.Volume] = [], mounts: [CoreV1.VolumeMount] = [], env: [CoreV1.EnvVar] = []) -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(name: name, namespace: "default"),
            spec: CoreV1.PodSpec(
                automountServiceAccountToken: false,
                containers: [CoreV1.Container(
                    args: ["--level=$(LEVEL)"], env: env, image: "nginx:1.27", name: "main", volumeMounts: mounts)],
                nodeName: "node-a", volumes: volumes))
    }

    @Test("a missing configMap leaves the pod ContainerCreating with FailedMount, then it runs once the configMap exists")
    func failedMountAndRecovery() async throws {
        try await withKubelet { client, clock, runtime, root, kubelet in
            let service = try await client.resource(CoreV1.Service.self).create(
                CoreV1.Service(metadata: MetaV1.ObjectMeta(name: "web-svc", namespace: "default"),
                               spec: CoreV1.ServiceSpec(ports: [CoreV1.ServicePort(port: 80)], selector: ["app": "web"])),
                namespace: "default")
            try await eventually("the kubelet to know the service") {
                kubelet.state.withLock { $0.services }?.lister.get("web-svc", namespace: "default") != nil
            }
            let pods = client.resource(CoreV1.Pod.self)
            let created = try await pods.create(
                pod("web",
                    volumes: [CoreV1.Volume(configMap: CoreV1.ConfigMapVolumeSource(name: "settings"), name: "config")],
                    mounts: [CoreV1.VolumeMount(mountPath: "/etc/app", name: "config")],
                    env: [CoreV1.EnvVar(name: "LEVEL", valueFrom: CoreV1.EnvVarSource(
                        configMapKeyRef: CoreV1.ConfigMapKeySelector(key: "level", name: "settings")))]),
                namespace: "default")
            let uid = try #require(created.metadata.uid)
            let events = client.resource(CoreV1.Event.self)
            let failed = try await eventually("a FailedMount event") { () -> CoreV1.Event? in
                try await events.list(namespace: "default").items.first { $0.reason == "FailedMount" }
            }
            #expect(failed.type == "Warning")
            #expect(failed.message == "MountVolume.SetUp failed for volume \"config\" : configmap \"settings\" not found")
            #expect(failed.involvedObject?.name == "web")
            #expect(failed.source?.component == "kubelet")
            #expect(failed.source?.host == "node-a")
            let waiting = try await pods.get("web", namespace: "default")
            #expect(waiting.status?.containerStatuses?.first?.state?.waiting?.reason ?? "ContainerCreating" == "ContainerCreating")
            #expect(runtime.sandboxConfigs.isEmpty, "no sandbox before the volumes are ready")

            _ = try await client.resource(CoreV1.ConfigMap.self).create(
                CoreV1.ConfigMap(data: ["level": "debug", "app.yaml": "a: 1"], metadata: MetaV1.ObjectMeta(name: "settings", namespace: "default")),
                namespace: "default")
            try await eventually("the pod to run") {
                clock.advance(by: .seconds(2))
                return phase(try await pods.get("web", namespace: "default")) == "Running"
            }
            let sandbox = try #require(runtime.sandboxConfigs.first)
            #expect(sandbox.dnsConfig?.servers == ["10.43.0.10"])
            #expect(sandbox.dnsConfig?.searches.prefix(3) == ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"])
            #expect(sandbox.dnsConfig?.options == ["ndots:5"])
            #expect(sandbox.linux.cgroupParent == "/kubepods/besteffort/pod\(uid)")
            #expect(sandbox.logDirectory.hasSuffix("/logs/default_web_\(uid)"))
            let config = try #require(runtime.containerConfigs.first)
            #expect(config.environment.first { $0.name == "LEVEL" }?.value == "debug")
            #expect(config.environment.first { $0.name == "WEB_SVC_SERVICE_HOST" }?.value == service.spec?.clusterIP)
            #expect(config.args == ["--level=debug"])
            #expect(config.logPath == "main/0.log")
            let volumePath = "\(root)/pods/\(uid)/volumes/kubernetes.io~configmap/config"
            #expect(config.mounts.first == CRI.Mount(containerPath: "/etc/app", hostPath: volumePath, readOnly: true))
            #expect(config.mounts.contains { $0.containerPath == "/etc/hosts" && $0.hostPath == "\(root)/pods/\(uid)/etc-hosts" })
            #expect(config.mounts.contains { $0.containerPath == "/dev/termination-log" })
            #expect(text(volumePath + "/app.yaml") == "a: 1")
            let hosts = try #require(text("\(root)/pods/\(uid)/etc-hosts"))
            let podIP = try #require(try await pods.get("web", namespace: "default").status?.podIP)
            #expect(hosts.contains("\(podIP)\tweb\n"))

            // An update reaches the running pod at the next resync.
            var configMap = try await client.resource(CoreV1.ConfigMap.self).get("settings", namespace: "default")
            configMap.data?["app.yaml"] = "a: 2"
            _ = try await client.resource(CoreV1.ConfigMap.self).update(configMap)
            try await eventually("the new contents on disk") {
                clock.advance(by: .seconds(30))
                return text(volumePath + "/app.yaml") == "a: 2"
            }

            // A directory of a pod the kubelet does not know goes at the next resync.
            let orphan = "\(root)/pods/orphan-uid/volumes/kubernetes.io~empty-dir/data"
            try NodeFiles.makeDirectory(orphan)
            try await eventually("the orphaned pod directory to go") {
                clock.advance(by: .seconds(30))
                return NodeFiles.kind("\(root)/pods/orphan-uid") == .missing
            }

            // Deleting the pod removes its directory.
            try await deleteAndAwaitCleanup(pods, clock: clock, directory: "\(root)/pods/\(uid)")
        }
    }

    @Test("an env reference to a missing secret is CreateContainerConfigError with upstream's message")
    func createContainerConfigError() async throws {
        try await withKubelet { client, _, _, _, _ in
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(
                pod("web", env: [CoreV1.EnvVar(name: "LEVEL", valueFrom: CoreV1.EnvVarSource(
                    secretKeyRef: CoreV1.SecretKeySelector(key: "level", name: "creds")))]),
                namespace: "default")
            let waiting = try await awaitObject(pods, "web", namespace: "default", "CreateContainerConfigError") { pod in
                pod.status?.containerStatuses?.first?.state?.waiting?.reason == "CreateContainerConfigError"
            }
            #expect(waiting.status?.containerStatuses?.first?.state?.waiting?.message == "secret \"creds\" not found")
        }
    }

    @Test("the injected kube-api-access volume gets a bound token, ca.crt and namespace, as the node itself")
    func kubeAPIAccess() async throws {
        try await withKubelet(asNode: true) { client, clock, runtime, root, _ in
            _ = try await client.resource(CoreV1.ServiceAccount.self).create(
                CoreV1.ServiceAccount(metadata: MetaV1.ObjectMeta(name: "default", namespace: "default")), namespace: "default")
            _ = try await client.resource(CoreV1.ConfigMap.self).create(
                CoreV1.ConfigMap(data: ["ca.crt": "CA PEM"], metadata: MetaV1.ObjectMeta(name: "kube-root-ca.crt", namespace: "default")),
                namespace: "default")
            var spec = pod("web")
            spec.spec?.automountServiceAccountToken = nil
            let pods = client.resource(CoreV1.Pod.self)
            let created = try await pods.create(spec, namespace: "default")
            let uid = try #require(created.metadata.uid)
            let volume = try #require(created.spec?.volumes?.first { $0.name?.hasPrefix("kube-api-access-") == true }?.name)
            try await eventually("the pod to run") {
                clock.advance(by: .seconds(2))
                return phase(try await pods.get("web", namespace: "default")) == "Running"
            }
            let path = "\(root)/pods/\(uid)/volumes/kubernetes.io~projected/\(volume)"
            let token = try #require(text(path + "/token"))
            #expect(token.split(separator: ".").count == 3, "a JWT")
            #expect(text(path + "/ca.crt") == "CA PEM")
            #expect(text(path + "/namespace") == "default")
            let mount = runtime.containerConfigs.first?.mounts.first { $0.containerPath == "/var/run/secrets/kubernetes.io/serviceaccount" }
            #expect(mount == CRI.Mount(containerPath: "/var/run/secrets/kubernetes.io/serviceaccount", hostPath: path, readOnly: true))
            try await deleteAndAwaitCleanup(pods, clock: clock, directory: "\(root)/pods/\(uid)")
            #expect(text("/proc/self/mountinfo")?.contains(root) != true)
        }
    }
}
