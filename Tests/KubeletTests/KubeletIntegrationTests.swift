import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import Synchronization
import Testing
@testable import Kubelet

/// Runs `body` until it returns, failing after `timeout` (a deadline, not a wait). A body that
/// ignores cancellation is left behind rather than awaited, so a stuck watch cannot hang a test.
func within<T: Sendable>(_ what: String, timeout: Duration = .seconds(30), _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    guard let value = try await raceDeadline(timeout, body) else { throw TestFailure("timed out waiting for \(what)") }
    return value
}

/// Waits (list, then watch) until the named object satisfies `predicate`.
func awaitObject<Object: KubernetesObject & Sendable>(
    _ resource: ResourceClient<Object>, _ name: String, namespace: String? = nil, _ what: String,
    _ predicate: @escaping @Sendable (Object) -> Bool
) async throws -> Object {
    try await within(what) {
        var options = ListOptions()
        options.fieldSelector = "metadata.name=\(name)"
        while true {
            let list = try await resource.list(namespace: namespace, options: options)
            if let object = list.items.first, predicate(object) { return object }
            var watchOptions = options
            watchOptions.resourceVersion = list.resourceVersion
            for try await event in try await resource.watch(namespace: namespace, options: watchOptions) {
                if event.type == .added || event.type == .modified, predicate(event.object) { return event.object }
            }
        }
    }
}

/// Waits until the named object no longer exists.
func awaitDeleted<Object: KubernetesObject & Sendable>(
    _ resource: ResourceClient<Object>, _ name: String, namespace: String? = nil
) async throws {
    try await within("\(name) to be deleted") {
        var options = ListOptions()
        options.fieldSelector = "metadata.name=\(name)"
        while true {
            let list = try await resource.list(namespace: namespace, options: options)
            if list.items.isEmpty { return }
            var watchOptions = options
            watchOptions.resourceVersion = list.resourceVersion
            for try await event in try await resource.watch(namespace: namespace, options: watchOptions) where event.type == .deleted {
                return
            }
        }
    }
}

func phase(_ pod: CoreV1.Pod) -> String { pod.status?.phase ?? "" }

@Suite("Kubelet against an in-process API server", .serialized)
struct KubeletIntegrationTests {
    let logger = Logger(label: "kubelet-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A started server, a hollow kubelet on a manual clock, and a cleanup.
    func withKubelet(
        podCIDR: String? = "10.42.5.0/24", runtime runtimeConfiguration: FakeRuntimeClient.Configuration = .init(),
        _ body: (KubeClient, ManualClock, Kubelet) async throws -> Void
    ) async throws {
        let server = try await TestAPIServer.start()
        let client = server.client()
        let manual = ManualClock()
        let clock = KubeletClock(manual)
        let runtime = FakeRuntimeClient(configuration: runtimeConfiguration, clock: clock)
        let kubelet = Kubelet(
            client: client, configuration: KubeletConfiguration(nodeName: "node-a", nodeIP: "10.0.0.5", podCIDR: podCIDR),
            runtime: runtime, clock: clock, logger: logger)
        let task = Task { try await kubelet.run() }
        do {
            try await body(client, manual, kubelet)
        } catch {
            task.cancel()
            _ = await task.result
            await server.stop()
            throw error
        }
        task.cancel()
        _ = await task.result
        await server.stop()
    }

    func pod(_ name: String, restartPolicy: String? = nil, annotations: [String: String]? = nil, grace: Int? = nil) -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(annotations: annotations, name: name, namespace: "default"),
            spec: CoreV1.PodSpec(
                containers: [CoreV1.Container(image: "nginx:1.27", name: "main")], nodeName: "node-a",
                restartPolicy: restartPolicy, terminationGracePeriodSeconds: grace))
    }

    @Test func aNodeRegistersReadyWithALease() async throws {
        try await withKubelet { client, _, _ in
            let node = try await awaitObject(client.resource(CoreV1.Node.self), "node-a", "node-a to be Ready") { node in
                node.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
            }
            #expect(node.metadata.labels?["kubernetes.io/hostname"] == "node-a")
            #expect(node.metadata.labels?["node.kubernetes.io/instance-type"] == "k3s")
            #expect(node.status?.capacity?["pods"] == Quantity("110"))
            #expect(node.status?.nodeInfo?.kubeletVersion == "v1.36.2+k3s-swift")
            #expect(node.status?.addresses?.first == CoreV1.NodeAddress(address: "10.0.0.5", type: "InternalIP"))
            let ready = node.status?.conditions?.first { $0.type == "Ready" }
            #expect(ready?.reason == "KubeletReady")
            #expect(ready?.message == "kubelet is posting ready status")
            let lease = try await client.resource(CoordinationV1.Lease.self).get("node-a", namespace: "kube-node-lease")
            #expect(lease.spec?.holderIdentity == "node-a")
            #expect(lease.spec?.leaseDurationSeconds == 40)
            #expect(lease.metadata.ownerReferences?.first?.kind == "Node")
        }
    }

    @Test func theLeaseIsRenewedOnTheClock() async throws {
        try await withKubelet { client, clock, kubelet in
            try await eventually("registration") { kubelet.isRegistered }
            let leases = client.resource(CoordinationV1.Lease.self)
            let first = try await leases.get("node-a", namespace: "kube-node-lease")
            // The lease loop and the node status loop sleep on the clock once running.
            try await eventually("the heartbeat loops") { clock.sleeperCount >= 2 }
            clock.advance(by: .seconds(10))
            let renewed = try await awaitObject(leases, "node-a", namespace: "kube-node-lease", "the lease renewal") { lease in
                lease.metadata.resourceVersion != first.metadata.resourceVersion
            }
            let before = try #require(first.spec?.renewTime)
            let after = try #require(renewed.spec?.renewTime)
            #expect(after.microsecondsSinceEpoch - before.microsecondsSinceEpoch >= 10_000_000)
        }
    }

    @Test func aPodGoesRunningWithAPodIPInOneStatusWrite() async throws {
        try await withKubelet { client, _, _ in
            let pods = client.resource(CoreV1.Pod.self)
            let created = try await pods.create(pod("web"), namespace: "default")
            // The first change after the create is the kubelet's status write, and it is Running.
            var options = ListOptions()
            options.fieldSelector = "metadata.name=web"
            options.resourceVersion = created.metadata.resourceVersion
            let watchOptions = options
            let running = try await within("the first status write") {
                for try await event in try await pods.watch(namespace: "default", options: watchOptions) where event.type == .modified {
                    return event.object
                }
                throw TestFailure("the watch ended")
            }
            #expect(phase(running) == "Running")
            let status = try #require(running.status)
            #expect(status.podIP?.hasPrefix("10.42.5.") == true)
            #expect(status.podIPs?.first?.ip == status.podIP)
            #expect(status.hostIP == "10.0.0.5")
            #expect(status.startTime != nil)
            #expect(status.qosClass == "BestEffort")
            let main = try #require(status.containerStatuses?.first)
            #expect(main.ready == true)
            #expect(main.started == true)
            #expect(main.restartCount == 0)
            #expect(main.state?.running?.startedAt != nil)
            #expect(main.containerID?.hasPrefix("containerd://") == true)
            #expect(main.image == "docker.io/library/nginx:1.27")
            #expect(main.imageID?.hasPrefix("docker.io/library/nginx@sha256:") == true)
            for type in ["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "PodScheduled"] {
                #expect(status.conditions?.first { $0.type == type }?.status == "True", "condition \(type)")
            }
        }
    }

    @Test func aNeverPodSucceedsWhenItsContainerExits() async throws {
        try await withKubelet { client, clock, _ in
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(pod("job", restartPolicy: "Never"), namespace: "default")
            _ = try await awaitObject(pods, "job", namespace: "default", "job to run") { phase($0) == "Running" }
            clock.advance(by: .seconds(1))
            let done = try await awaitObject(pods, "job", namespace: "default", "job to succeed") { phase($0) == "Succeeded" }
            let terminated = try #require(done.status?.containerStatuses?.first?.state?.terminated)
            #expect(terminated.exitCode == 0)
            #expect(terminated.reason == "Completed")
            #expect(done.status?.conditions?.first { $0.type == "Ready" }?.reason == "PodCompleted")
        }
    }

    @Test func theHollowAnnotationMakesAContainerFail() async throws {
        try await withKubelet { client, clock, _ in
            let pods = client.resource(CoreV1.Pod.self)
            let annotations = [HollowBehavior.runAnnotation: "main=3s:1"]
            _ = try await pods.create(pod("crash", restartPolicy: "Never", annotations: annotations), namespace: "default")
            _ = try await awaitObject(pods, "crash", namespace: "default", "crash to run") { phase($0) == "Running" }
            clock.advance(by: .seconds(3))
            let failed = try await awaitObject(pods, "crash", namespace: "default", "crash to fail") { phase($0) == "Failed" }
            let terminated = try #require(failed.status?.containerStatuses?.first?.state?.terminated)
            #expect(terminated.exitCode == 1)
            #expect(terminated.reason == "Error")
        }
    }

    @Test func anAlwaysPodRestartsItsCrashedContainer() async throws {
        try await withKubelet { client, clock, _ in
            let pods = client.resource(CoreV1.Pod.self)
            let annotations = [HollowBehavior.runAnnotation: "main=2s:2"]
            _ = try await pods.create(pod("loop", restartPolicy: "Always", annotations: annotations), namespace: "default")
            _ = try await awaitObject(pods, "loop", namespace: "default", "loop to run") { phase($0) == "Running" }
            clock.advance(by: .seconds(2))
            let restarted = try await awaitObject(pods, "loop", namespace: "default", "the first restart") {
                $0.status?.containerStatuses?.first?.restartCount == 1 && $0.status?.containerStatuses?.first?.state?.running != nil
            }
            #expect(restarted.status?.containerStatuses?.first?.lastState?.terminated?.exitCode == 2)
            clock.advance(by: .seconds(2))
            let backingOff = try await awaitObject(pods, "loop", namespace: "default", "the crash-loop back-off") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "CrashLoopBackOff"
            }
            #expect(phase(backingOff) == "Running")
            clock.advance(by: .seconds(10))
            _ = try await awaitObject(pods, "loop", namespace: "default", "the second restart") {
                $0.status?.containerStatuses?.first?.restartCount == 2
            }
        }
    }

    @Test func deletingAPodWithGraceRemovesIt() async throws {
        try await withKubelet { client, _, _ in
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(pod("doomed", grace: 30), namespace: "default")
            _ = try await awaitObject(pods, "doomed", namespace: "default", "doomed to run") { phase($0) == "Running" }
            let kept = try await pods.delete("doomed", namespace: "default")
            #expect(kept?.metadata.deletionTimestamp != nil)  // the API server waits for the kubelet
            try await awaitDeleted(pods, "doomed", namespace: "default")
        }
    }

    @Test func withoutAPodCIDRPodsWaitForTheNodeIPAM() async throws {
        try await withKubelet(podCIDR: nil) { client, _, kubelet in
            let nodes = client.resource(CoreV1.Node.self)
            try await eventually("registration") { kubelet.isRegistered }
            let node = try await nodes.get("node-a")
            #expect(node.status?.conditions?.first { $0.type == "Ready" }?.status == "False")
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(pod("waiting"), namespace: "default")
            let pending = try await awaitObject(pods, "waiting", namespace: "default", "the waiting status") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "ContainerCreating"
            }
            #expect(phase(pending) == "Pending")
            // Act as the node IPAM controller.
            _ = try await nodes.patch("node-a", type: .merge, body: ["spec": ["podCIDR": "10.42.9.0/24", "podCIDRs": ["10.42.9.0/24"]]])
            let running = try await awaitObject(pods, "waiting", namespace: "default", "the pod to run") { phase($0) == "Running" }
            #expect(running.status?.podIP == "10.42.9.2")
            _ = try await awaitObject(nodes, "node-a", "node-a to be Ready") { node in
                node.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
            }
        }
    }

    @Test func nodeStatusIsReportedAgainAfterFiveMinutes() async throws {
        try await withKubelet { client, clock, kubelet in
            try await eventually("registration") { kubelet.isRegistered }
            let nodes = client.resource(CoreV1.Node.self)
            let first = try await nodes.get("node-a")
            let heartbeat = try #require(first.status?.conditions?.first { $0.type == "Ready" }?.lastHeartbeatTime)
            try await eventually("the heartbeat loops") { clock.sleeperCount >= 2 }
            // Every 10 s check finds nothing changed; the report is due after 5 minutes.
            for _ in 0..<30 {
                clock.advance(by: .seconds(10))
                await Task.yield()
            }
            let reported = try await awaitObject(nodes, "node-a", "the periodic node status report") { node in
                (node.status?.conditions?.first { $0.type == "Ready" }?.lastHeartbeatTime ?? heartbeat) > heartbeat
            }
            let ready = try #require(reported.status?.conditions?.first { $0.type == "Ready" })
            #expect(ready.lastTransitionTime == first.status?.conditions?.first { $0.type == "Ready" }?.lastTransitionTime)
            #expect(reported.status?.conditions?.count == 4)
        }
    }

    @Test func initContainersRunBeforeTheMainContainer() async throws {
        try await withKubelet { client, clock, _ in
            let pods = client.resource(CoreV1.Pod.self)
            var pod = pod("staged")
            pod.spec?.initContainers = [CoreV1.Container(image: "busybox", name: "setup")]
            _ = try await pods.create(pod, namespace: "default")
            let initializing = try await awaitObject(pods, "staged", namespace: "default", "the init container to run") {
                $0.status?.initContainerStatuses?.first?.state?.running != nil
            }
            #expect(phase(initializing) == "Pending")
            #expect(initializing.status?.containerStatuses?.first?.state?.waiting?.reason == "PodInitializing")
            clock.advance(by: .seconds(1))
            let running = try await awaitObject(pods, "staged", namespace: "default", "staged to run") { phase($0) == "Running" }
            #expect(running.status?.initContainerStatuses?.first?.state?.terminated?.reason == "Completed")
            #expect(running.status?.conditions?.first { $0.type == "Initialized" }?.status == "True")
        }
    }

    @Test func aKubeletAdoptsAnExistingNode() async throws {
        let server = try await TestAPIServer.start()
        let client = server.client()
        let nodes = client.resource(CoreV1.Node.self)
        _ = try await nodes.create(CoreV1.Node(metadata: MetaV1.ObjectMeta(labels: ["team": "blue"], name: "node-a")))
        let kubelet = Kubelet(
            client: client, configuration: KubeletConfiguration(nodeName: "node-a", podCIDR: "10.42.1.0/24"),
            runtime: FakeRuntimeClient(), logger: logger)
        do {
            try await kubelet.register()
        } catch {
            await server.stop()
            throw error
        }
        let node = try await nodes.get("node-a")
        await server.stop()
        #expect(node.metadata.labels?["team"] == "blue")
        #expect(node.metadata.labels?["kubernetes.io/hostname"] == "node-a")
        #expect(node.spec?.podCIDR == "10.42.1.0/24")
        #expect(node.status?.conditions?.first { $0.type == "Ready" }?.status == "True")
    }

    @Test func badAnnotationsAndMissingImagesShowAsWaitingReasons() async throws {
        try await withKubelet(runtime: .init(missingImages: ["docker.io/library/missing:1.0"])) { client, clock, _ in
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(pod("typo", annotations: [HollowBehavior.runAnnotation: "main=soon"]), namespace: "default")
            var missing = pod("nothere")
            missing.spec?.containers?[0].image = "missing:1.0"
            _ = try await pods.create(missing, namespace: "default")
            let typo = try await awaitObject(pods, "typo", namespace: "default", "the create error") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "CreateContainerError"
            }
            #expect(phase(typo) == "Pending")
            let message = typo.status?.containerStatuses?.first?.state?.waiting?.message ?? ""
            #expect(message.contains("hollow.k3s.io/run"), "\(message)")
            _ = try await awaitObject(pods, "nothere", namespace: "default", "the pull error") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "ErrImagePull"
            }
            clock.advance(by: .seconds(10))
            _ = try await awaitObject(pods, "nothere", namespace: "default", "the pull back-off") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "ImagePullBackOff"
            }
        }
    }

    @Test func aThousandHollowNodesRegisterQuickly() async throws {
        let server = try await TestAPIServer.start()
        let client = server.client()
        let pool = HollowNodePool(client: client, configuration: .init(namePrefix: "hollow", count: 1000), logger: logger)
        let started = ContinuousClock.now
        do {
            try await pool.registerAll()
        } catch {
            await server.stop()
            throw error
        }
        let took = ContinuousClock.now - started
        let nodes = try await client.resource(CoreV1.Node.self).list()
        let leases = try await client.resource(CoordinationV1.Lease.self).list(namespace: "kube-node-lease")
        await server.stop()
        #expect(nodes.items.count == 1000)
        #expect(leases.items.count == 1000)
        #expect(Set(nodes.items.compactMap(\.spec?.podCIDR)).count == 1000)
        // The 5 s budget is for an optimized build; a debug build on a shared machine gets slack.
        #if DEBUG
        let budget = Duration.seconds(90)
        #else
        let budget = Duration.seconds(5)
        #endif
        #expect(took < budget, "registering 1,000 nodes took \(took)")
    }

    @Test func aPoolOnASharedFactoryReadsItsInformersAndLetsGoWhenItStops() async throws {
        let server = try await TestAPIServer.start()
        let client = server.client()
        let informers = InformerFactory(client: client, logger: logger)
        // Another component of the process (a scheduler, say) reads every pod already.
        let shared = informers.informer(CoreV1.Pod.self)
        let factoryTask = Task { await informers.run() }
        let pool = HollowNodePool(
            client: client, configuration: .init(namePrefix: "shared", count: 2), informers: informers,
            clock: KubeletClock(ManualClock()), logger: logger)
        let task = Task { try await pool.run() }
        do {
            let pods = client.resource(CoreV1.Pod.self)
            var pod = pod("on-shared")
            pod.spec?.nodeName = "shared-1"
            _ = try await pods.create(pod, namespace: "default")
            let running = try await awaitObject(pods, "on-shared", namespace: "default", "the pod to run") { phase($0) == "Running" }
            #expect(running.status?.hostIP == "10.128.0.2")
            #expect(shared.handlerCount == 1, "the pool reads the process's pod informer")
            #expect(informers.informer(CoreV1.Node.self).handlerCount == 1)
        } catch {
            task.cancel()
            factoryTask.cancel()
            await server.stop()
            throw error
        }
        task.cancel()
        _ = await task.result
        #expect(shared.handlerCount == 0, "a stopped pool leaves the shared informer")
        #expect(informers.informer(CoreV1.Node.self).handlerCount == 0)
        factoryTask.cancel()
        await factoryTask.value
        await server.stop()
    }

    @Test func aPoolRunsEachPodOnItsNode() async throws {
        let server = try await TestAPIServer.start()
        let client = server.client()
        let manual = ManualClock()
        let pool = HollowNodePool(
            client: client, configuration: .init(namePrefix: "hollow", count: 3), clock: KubeletClock(manual), logger: logger)
        let task = Task { try await pool.run() }
        do {
            let pods = client.resource(CoreV1.Pod.self)
            for index in 0..<3 {
                var pod = pod("p\(index)")
                pod.spec?.nodeName = "hollow-\(index)"
                _ = try await pods.create(pod, namespace: "default")
            }
            for index in 0..<3 {
                let running = try await awaitObject(pods, "p\(index)", namespace: "default", "p\(index) to run") { phase($0) == "Running" }
                #expect(running.status?.podIP == "10.42.\(index).2")
                #expect(running.status?.hostIP == "10.128.0.\(index + 1)")
            }
            _ = try await pods.delete("p1", namespace: "default")
            try await awaitDeleted(pods, "p1", namespace: "default")
        } catch {
            task.cancel()
            _ = await task.result
            await server.stop()
            throw error
        }
        task.cancel()
        _ = await task.result
        await server.stop()
    }
}
