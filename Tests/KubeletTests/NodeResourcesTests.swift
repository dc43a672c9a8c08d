import KubeAPI
import Testing
@testable import Kubelet

@Suite("Capacity, allocatable and the real node's status")
struct NodeResourcesTests {
    let now = Time(secondsSinceEpoch: 1_000)
    let machine = MachineInfo(reading: FixedHostSystem.v1, rootDirectory: "/var/lib/kubelet")
    let version = CRI.Version(runtimeName: "containerd", runtimeVersion: "1.6.20")

    func configuration(_ change: (inout NodeResourceSettings) -> Void = { _ in }) -> KubeletConfiguration {
        var configuration = KubeletConfiguration(nodeName: "real", nodeIP: "192.168.1.10", kubeletVersion: "v1.36.2+k3s-swift", podCIDR: "10.42.0.0/24")
        configuration.nodeResources.host = FixedHostSystem.v1
        change(&configuration.nodeResources)
        return configuration
    }

    @Test func capacityIsTheMachines() {
        let capacity = NodeResources.capacity(of: machine, maxPods: 110)
        #expect(capacity["cpu"] == Quantity("4"))
        #expect(capacity["memory"] == Quantity("8000000Ki"))
        #expect(capacity["memory"]?.description == "8000000Ki")
        #expect(capacity["ephemeral-storage"] == Quantity("100Gi"))
        #expect(capacity["hugepages-2Mi"] == Quantity("1Gi"))
        #expect(capacity["hugepages-1Gi"] == Quantity("0"))
        #expect(capacity["pods"] == Quantity("110"))
    }

    @Test func allocatableSubtractsReservationsThresholdsAndHugePages() throws {
        let capacity = NodeResources.capacity(of: machine, maxPods: 110)
        let allocatable = NodeResources.allocatable(
            capacity: capacity, kubeReserved: ["cpu": Quantity("100m"), "memory": Quantity("100Mi")],
            systemReserved: ["cpu": Quantity("400m"), "memory": Quantity("200Mi"), "ephemeral-storage": Quantity("10Gi")],
            evictionHard: try EvictionThreshold.parse(EvictionThreshold.defaultHard))
        #expect(allocatable["cpu"] == Quantity("3500m"))
        // 8,000,000 Ki − 100 Mi − 200 Mi − 100 Mi (memory.available) − 1 Gi of huge pages.
        let memoryKi: Int64 = 8_000_000 - 409_600 - 1_048_576
        #expect(allocatable["memory"] == Quantity("\(memoryKi)Ki"))
        // 100 Gi − 10 Gi reserved − 10% (nodefs.available).
        #expect(allocatable["ephemeral-storage"] == Quantity("80Gi"))
        #expect(allocatable["pods"] == Quantity("110"))
        #expect(allocatable["hugepages-2Mi"] == Quantity("1Gi"))
    }

    @Test func allocatableNeverGoesNegative() {
        let allocatable = NodeResources.allocatable(
            capacity: ["cpu": Quantity("1")], kubeReserved: ["cpu": Quantity("2")], systemReserved: [:], evictionHard: [])
        #expect(allocatable["cpu"] == Quantity("0"))
    }

    @Test func thresholdsParseWithUpstreamDefaults() throws {
        let thresholds = try EvictionThreshold.parse(EvictionThreshold.defaultHard)
        #expect(thresholds.map(\.signal) == [.memoryAvailable, .nodefsAvailable, .nodefsInodesFree, .imagefsAvailable])
        #expect(thresholds[0].amount(capacity: 0) == 100 << 20)
        #expect(thresholds[1].amount(capacity: 1000) == 100)
        #expect(thresholds[1].valueText == "10%")
        #expect(try EvictionThreshold.parse(["memory.available": "<1Gi", "pid.available": "0%"]).count == 1)
        #expect(try EvictionThreshold.parseFlag("memory.available<100Mi, nodefs.available<5%") == ["memory.available": "100Mi", "nodefs.available": "5%"])
    }

    @Test(arguments: [["memory.free": "1Gi"], ["memory.available": "-1Mi"], ["nodefs.available": "120%"], ["nodefs.available": "lots"]])
    func badThresholdsAreRejected(_ map: [String: String]) {
        #expect(throws: NodeSettingError.self) { try EvictionThreshold.parse(map) }
    }

    @Test func resourceListsParse() throws {
        #expect(try NodeResourceSettings.parseResourceList("cpu=100m,memory=100Mi") == ["cpu": Quantity("100m"), "memory": Quantity("100Mi")])
        #expect(throws: (any Error).self) { try NodeResourceSettings.parseResourceList("cpu") }
        #expect(throws: (any Error).self) { try NodeResourceSettings.parseResourceList("cpu=lots") }
    }

    @Test func aRealNodeReportsItsMachine() throws {
        let configuration = configuration { $0.externalIPs = ["203.0.113.7"]; $0.kubeReserved = ["memory": Quantity("1Gi")] }
        let builder = NodeStatusBuilder(configuration: configuration, runtimeVersion: version, machine: machine, images: [])
        let status = try #require(builder.node(readiness: .ready, now: now).status)
        #expect(status.capacity?["cpu"] == Quantity("4"))
        let memoryKi: Int64 = 8_000_000 - 1_048_576 - 102_400 - 1_048_576
        #expect(status.allocatable?["memory"] == Quantity("\(memoryKi)Ki"))
        #expect(status.addresses == [
            CoreV1.NodeAddress(address: "192.168.1.10", type: "InternalIP"),
            CoreV1.NodeAddress(address: "203.0.113.7", type: "ExternalIP"),
            CoreV1.NodeAddress(address: "real", type: "Hostname"),
        ])
        #expect(status.daemonEndpoints?.kubeletEndpoint?.Port == 10250)
        #expect(status.images == [])
        let info = try #require(status.nodeInfo)
        #expect(info.kernelVersion == "6.1.0-18-amd64")
        #expect(info.osImage == "Debian GNU/Linux 12 (bookworm)")
        #expect(info.containerRuntimeVersion == "containerd://1.6.20")
        #expect(info.kubeletVersion == "v1.36.2+k3s-swift")
        #expect(info.kubeProxyVersion == "v1.36.2+k3s-swift")
        #expect(info.machineID == "0123456789abcdef0123456789abcdef")
        #expect(info.systemUUID == "01234567-89ab-cdef-0123-456789abcdef")
        #expect(info.bootID == "7943cdb0-e05b-4b90-9788-1ca72d946178")
        #expect(info.architecture == "amd64")
        #expect(info.operatingSystem == "linux")
    }

    @Test func aHollowNodeKeepsItsConfiguredCapacity() {
        let configuration = KubeletConfiguration(nodeName: "hollow", capacity: ["cpu": Quantity("2"), "pods": Quantity("50")])
        let status = NodeStatusBuilder(configuration: configuration, runtimeVersion: version).status(readiness: .ready, old: nil, now: now)
        #expect(status.capacity == ["cpu": Quantity("2"), "pods": Quantity("50")])
        #expect(status.allocatable == status.capacity)
        #expect(status.images == nil)
        #expect(status.nodeInfo?.osImage == "K3s Swift hollow node")
    }

    @Test func imagesAreTheLargestFiftyWithFiveNamesEach() throws {
        var images = (0..<60).map { index in
            CRI.Image(id: "sha256:\(index)", repoTags: ["example.com/image-\(index):latest"], repoDigests: ["example.com/image-\(index)@sha256:\(index)"], size: Int64(index) * 1000)
        }
        images.append(CRI.Image(id: "sha256:many", repoTags: (0..<6).map { "example.com/many:\($0)" }, repoDigests: ["example.com/many@sha256:f"], size: 10_000_000))
        let listed = NodeStatusBuilder.nodeImages(images, limit: 50)
        #expect(listed.count == 50)
        #expect(listed[0].sizeBytes == 10_000_000)
        #expect(listed[0].names == ["example.com/many@sha256:f"] + (0..<4).map { "example.com/many:\($0)" })
        #expect(listed[1].names == ["example.com/image-59@sha256:59", "example.com/image-59:latest"])
        #expect(listed.last?.sizeBytes == 11_000)
    }

    @Test(arguments: NodePressure.Condition.allCases)
    func eachPressureConditionTurnsOnAndOff(_ condition: NodePressure.Condition) throws {
        let configuration = configuration()
        let calm = NodeStatusBuilder(configuration: configuration, runtimeVersion: version, machine: machine)
        let old = calm.conditions(readiness: .ready, old: nil, now: now)
        let pressed = NodeStatusBuilder(configuration: configuration, runtimeVersion: version, machine: machine, pressure: NodePressure([condition]))
        let later = Time(secondsSinceEpoch: 2_000)
        let conditions = pressed.conditions(readiness: .ready, old: old, now: later)
        let on = try #require(conditions.first { $0.type == condition.rawValue })
        let expected: (String, String) = switch condition {
        case .memory: ("KubeletHasInsufficientMemory", "kubelet has insufficient memory available")
        case .disk: ("KubeletHasDiskPressure", "kubelet has disk pressure")
        case .pid: ("KubeletHasInsufficientPID", "kubelet has insufficient PID available")
        }
        #expect(on.status == "True")
        #expect(on.reason == expected.0)
        #expect(on.message == expected.1)
        #expect(on.lastTransitionTime == later)
        #expect(NodeStatusBuilder.conditionsChanged(old, conditions))
        #expect(conditions.filter { $0.status == "True" }.map(\.type) == [condition.rawValue, "Ready"])
        let off = calm.conditions(readiness: .ready, old: conditions, now: Time(secondsSinceEpoch: 3_000))
        #expect(off.first { $0.type == condition.rawValue }?.status == "False")
        #expect(off.first { $0.type == condition.rawValue }?.lastTransitionTime == Time(secondsSinceEpoch: 3_000))
    }

    @Test func runtimeProblemsMakeTheNodeNotReady() {
        let builder = NodeStatusBuilder(configuration: configuration(), runtimeVersion: version, machine: machine)
        let down = builder.readiness(runtime: nil)
        #expect(down == NodeStatusBuilder.Readiness(ready: false, message: "container runtime is down"))
        let sick = builder.readiness(runtime: CRI.RuntimeStatus(conditions: [
            CRI.RuntimeCondition(type: "RuntimeReady", status: false, reason: "ShimDead", message: "shim gone"),
            CRI.RuntimeCondition(type: "NetworkReady", status: false, reason: "NetworkPluginNotReady", message: "cni plugin not initialized"),
        ]))
        #expect(!sick.ready)
        #expect(sick.message == "container runtime not ready: RuntimeReady=false reason:ShimDead message:shim gone, "
            + "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni plugin not initialized")
        let ready = builder.conditions(readiness: down, old: nil, now: now).last
        #expect(ready?.reason == "KubeletNotReady")
        #expect(ready?.message == "container runtime is down")
    }
}

@Suite("Kubelet arguments for a real node")
struct KubeletArgsTests {
    @Test func kubeletArgsSetReservationsThresholdsAndCollection() throws {
        var settings = NodeResourceSettings()
        try settings.apply(kubeletArgs: [
            "kube-reserved": "cpu=200m,memory=256Mi", "system-reserved": "memory=512Mi", "eviction-hard": "memory.available<500Mi",
            "max-pods": "250", "image-gc-high-threshold": "90", "image-gc-low-threshold": "70", "minimum-image-ttl-duration": "5m",
            "maximum-dead-containers-per-container": "2", "eviction-pressure-transition-period": "30s", "root-dir": "/data/kubelet",
            "feature-gates": "Whatever=true", "sync-frequency": "20s",
        ])
        #expect(settings.kubeReserved == ["cpu": Quantity("200m"), "memory": Quantity("256Mi")])
        #expect(settings.systemReserved == ["memory": Quantity("512Mi")])
        #expect(settings.evictionHard == ["memory.available": "500Mi"])
        #expect(settings.maxPods == 250)
        #expect(settings.imageGC == ImageGCPolicy(highThresholdPercent: 90, lowThresholdPercent: 70, minAge: .seconds(300)))
        #expect(settings.containerGC.maxPerPodContainer == 2)
        #expect(settings.evictionPressureTransitionPeriod == .seconds(30))
        #expect(settings.rootDirectory == "/data/kubelet")
        #expect(settings.syncFrequency == .seconds(20))
        #expect(NodeResourceSettings().syncFrequency == .seconds(60))
    }

    @Test(arguments: [
        ["kube-reserved": "cpu"], ["eviction-hard": "memory.available>1Gi"], ["eviction-hard": "memory.free<1Gi"], ["max-pods": "many"],
        ["image-gc-low-threshold": "90"], ["minimum-image-ttl-duration": "-1s"], ["root-dir": "relative"],
        ["sync-frequency": "500ms"], ["sync-frequency": "often"],
    ])
    func badKubeletArgsNameTheFlag(_ args: [String: String]) {
        #expect(throws: NodeSettingError.self) {
            var settings = NodeResourceSettings()
            try settings.apply(kubeletArgs: args)
        }
    }
}
