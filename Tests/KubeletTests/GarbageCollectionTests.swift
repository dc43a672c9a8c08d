import KubeAPI
import Testing
@testable import Kubelet

@Suite("Container and image garbage collection choices")
struct GarbageCollectionTests {
    func sandbox(_ id: String, pod: String, ready: Bool = true) -> CRI.PodSandbox {
        CRI.PodSandbox(id: id, metadata: CRI.PodSandboxMetadata(name: pod, namespace: "default", uid: pod), state: ready ? .ready : .notReady, createdAt: 0)
    }

    func container(_ id: String, sandbox: String, name: String = "main", attempt: Int, state: CRI.ContainerState = .exited, created: Int64) -> CRI.Container {
        CRI.Container(
            id: id, podSandboxID: sandbox, metadata: CRI.ContainerMetadata(name: name, attempt: attempt), image: CRI.ImageSpec("nginx"),
            imageRef: "sha256:nginx", state: state, createdAt: created * second)
    }

    @Test func oneDeadContainerIsKeptPerContainerOfAPod() {
        let containers = [
            container("a0", sandbox: "sa", attempt: 0, created: 10),
            container("a1", sandbox: "sa", attempt: 1, created: 20),
            container("a2", sandbox: "sa", attempt: 2, created: 30),
            container("a3", sandbox: "sa", attempt: 3, state: .running, created: 40),
            container("s0", sandbox: "sa", name: "sidecar", attempt: 0, created: 15),
        ]
        let removed = ContainerGC.containersToRemove(
            containers, sandboxes: [sandbox("sa", pod: "pod-a")], activePods: ["pod-a"], policy: ContainerGCPolicy(), now: 100 * second)
        #expect(removed == ["a0", "a1"])
    }

    @Test func containersOfPodsThatAreGoneAllGo() {
        let containers = [container("b0", sandbox: "sb", attempt: 0, created: 10), container("b1", sandbox: "sb", attempt: 1, created: 20)]
        let sandboxes = [sandbox("sb", pod: "pod-b", ready: false)]
        let removed = ContainerGC.containersToRemove(containers, sandboxes: sandboxes, activePods: [], policy: ContainerGCPolicy(), now: 100 * second)
        #expect(removed == ["b0", "b1"])
        #expect(ContainerGC.sandboxesToRemove(sandboxes, containers: containers, removedContainers: Set(removed), activePods: []) == ["sb"])
        #expect(ContainerGC.sandboxesToRemove(sandboxes, containers: containers, removedContainers: ["b0"], activePods: []).isEmpty)
        #expect(ContainerGC.sandboxesToRemove(sandboxes, containers: [], removedContainers: [], activePods: ["pod-b"]).isEmpty)
    }

    @Test func youngContainersAndTheLimitsArePolicy() {
        let containers = (0..<4).map { container("c\($0)", sandbox: "sc", attempt: $0, created: Int64(10 * $0)) }
            + (0..<3).map { container("d\($0)", sandbox: "sd", attempt: $0, created: Int64(5 + 10 * $0)) }
        let sandboxes = [sandbox("sc", pod: "pod-c"), sandbox("sd", pod: "pod-d")]
        let active: Set<String> = ["pod-c", "pod-d"]
        // minAge leaves c3 (10 s old at 40 s) alone, so c2 is c's newest dead container and stays.
        let aged = ContainerGC.containersToRemove(
            containers, sandboxes: sandboxes, activePods: active, policy: ContainerGCPolicy(minAge: .seconds(15), maxPerPodContainer: 1), now: 40 * second)
        #expect(aged == ["c0", "d0", "c1", "d1"])
        // No per-container limit, 3 in total: one per unit first is not needed; the oldest go.
        let total = ContainerGC.containersToRemove(
            containers, sandboxes: sandboxes, activePods: active, policy: ContainerGCPolicy(maxPerPodContainer: -1, maxContainers: 4), now: 100 * second)
        #expect(total == ["c0", "d0", "c1"])
        // A total below the number of units still keeps one per unit, then the oldest go.
        let tiny = ContainerGC.containersToRemove(
            containers, sandboxes: sandboxes, activePods: active, policy: ContainerGCPolicy(maxPerPodContainer: -1, maxContainers: 1), now: 100 * second)
        #expect(tiny == ["c0", "d0", "c1", "d1", "c2", "d2"])
    }

    func image(_ name: String, size: Int64) -> CRI.Image {
        CRI.Image(id: "sha256:\(name)", repoTags: ["docker.io/library/\(name):latest"], repoDigests: [], size: size)
    }

    @Test func imagesGoLeastRecentlyUsedFirstAboveTheHighThreshold() {
        var gc = ImageGC()
        let images = [image("old", size: 10), image("older", size: 10), image("used", size: 50), image("pause", size: 1), image("new", size: 40)]
        gc.observe(Array(images.prefix(4)), inUse: ["sha256:old", "sha256:used"], now: .seconds(10))
        gc.observe(Array(images.prefix(4)), inUse: ["sha256:used"], now: .seconds(100))
        gc.observe(images, inUse: ["sha256:used"], now: .seconds(200))
        let pinned: Set<String> = ["docker.io/library/pause:latest"]
        let policy = ImageGCPolicy()
        // 90% used: free down to 80%, i.e. 10 of 100 bytes; `older` (never used) then `old`.
        let full = FilesystemUsage(capacityBytes: 100, availableBytes: 10, inodes: 0, inodesFree: 0)
        #expect(gc.imagesToRemove(filesystem: full, inUse: ["sha256:used"], pinned: pinned, policy: policy, now: .seconds(200)).map(\.id) == ["sha256:older"])
        let fuller = FilesystemUsage(capacityBytes: 100, availableBytes: 5, inodes: 0, inodesFree: 0)
        // `new` is younger than two minutes, `pause` is pinned, `used` is in use.
        #expect(gc.imagesToRemove(filesystem: fuller, inUse: ["sha256:used"], pinned: pinned, policy: policy, now: .seconds(200)).map(\.id)
            == ["sha256:older", "sha256:old"])
        let calm = FilesystemUsage(capacityBytes: 100, availableBytes: 16, inodes: 0, inodesFree: 0)
        #expect(gc.imagesToRemove(filesystem: calm, inUse: [], pinned: pinned, policy: policy, now: .seconds(200)).isEmpty)
        #expect(gc.unusedImages(inUse: ["sha256:used"], pinned: pinned).map(\.id) == ["sha256:older", "sha256:new", "sha256:old"])
    }

    @Test func imagesInUseMatchByIDOrName() {
        let images = [image("nginx", size: 1), image("redis", size: 1), image("busybox", size: 1)]
        let byRef = container("x", sandbox: "s", attempt: 0, created: 0)
        var byName = container("y", sandbox: "s", attempt: 0, created: 0)
        byName.imageRef = ""
        byName.image = CRI.ImageSpec("docker.io/library/redis:latest")
        #expect(ImageGC.imagesInUse(images, containers: [byRef, byName]) == ["sha256:nginx", "sha256:redis"])
    }
}
