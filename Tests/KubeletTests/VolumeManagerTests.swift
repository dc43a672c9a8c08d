#if canImport(Glibc)
import Glibc
#endif
import ClusterTesting
import KubeAPI
import Logging
import Testing
@testable import Kubelet

/// A temporary directory for volume tests, unmounted and removed when the body ends.
func withVolumeRoot<T>(_ body: (String) async throws -> T) async throws -> T {
    var template = Array("/tmp/kubelet-volumes-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
    let path = String(cString: made)
    defer {
        // Also what a kubelet under test left mounted (secret and projected volumes are tmpfs as root).
        if VolumeManager.canMount { NodeFiles.unmountAll(under: path) }
        try? NodeFiles.removeTree(path)
    }
    return try await body(path)
}

func text(_ path: String) -> String? { NodeFiles.read(path).map { String(decoding: $0, as: UTF8.self) } }

@Suite("Volume manager")
struct VolumeManagerTests {
    let logger = Logger(label: "volumes-test", factory: { _ in SwiftLogNoOpLogHandler() })

    func pod(_ volumes: [CoreV1.Volume], uid: String = "uid-1") -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(annotations: ["note": "say \"hi\""], labels: ["app": "web", "tier": "front"], name: "web", namespace: "prod", uid: uid),
            spec: CoreV1.PodSpec(
                containers: [CoreV1.Container(image: "busybox", name: "main", resources: CoreV1.ResourceRequirements(limits: ["memory": "128Mi"]))],
                nodeName: "node-a", serviceAccountName: "robot", volumes: volumes))
    }

    func downward(_ pod: CoreV1.Pod) -> DownwardAPI {
        DownwardAPI(pod: pod, podIPs: ["10.42.0.9"], hostIPs: ["10.0.0.5"], allocatable: ["cpu": "4", "memory": "16Gi"])
    }

    func manager(_ root: String, _ objects: FakePodObjects, clock: KubeletClock = .continuous) -> VolumeManager {
        VolumeManager(root: root, source: objects, clock: clock, mountTmpfs: false, logger: logger)
    }

    @Test("configMap volumes: all keys, or items at paths with modes, through ..data symlinks")
    func configMapItems() async throws {
        try await withVolumeRoot { root in
            let objects = FakePodObjects()
            objects.put(configMap: "settings", namespace: "prod", ["app.yaml": "a: 1", "log.level": "debug"])
            let spec = pod([
                CoreV1.Volume(configMap: CoreV1.ConfigMapVolumeSource(name: "settings"), name: "all"),
                CoreV1.Volume(configMap: CoreV1.ConfigMapVolumeSource(
                    defaultMode: 0o600, items: [CoreV1.KeyToPath(key: "app.yaml", mode: 0o400, path: "conf/app.yaml"), CoreV1.KeyToPath(key: "log.level", path: "level")],
                    name: "settings"), name: "some"),
            ])
            let (volumes, failures) = await manager(root, objects).setUp(spec, downward: downward(spec))
            #expect(failures.isEmpty)
            let all = try #require(volumes.volumes["all"])
            #expect(all.hostPath == "\(root)/pods/uid-1/volumes/kubernetes.io~configmap/all")
            #expect(all.readOnly)
            #expect(text(all.hostPath + "/app.yaml") == "a: 1")
            #expect(NodeFiles.readLink(all.hostPath + "/app.yaml") == "..data/app.yaml")
            #expect(NodeFiles.mode(all.hostPath + "/log.level") == 0o644)
            let some = try #require(volumes.volumes["some"]).hostPath
            #expect(text(some + "/conf/app.yaml") == "a: 1")
            #expect(NodeFiles.readLink(some + "/conf") == "..data/conf")
            #expect(NodeFiles.mode(some + "/conf/app.yaml") == 0o400)
            #expect(NodeFiles.mode(some + "/level") == 0o600)
            #expect(NodeFiles.kind(some + "/app.yaml", follow: false) == .missing)
        }
    }

    @Test("a secret update swaps ..data to a new directory and removes the old one")
    func secretUpdate() async throws {
        try await withVolumeRoot { root in
            let objects = FakePodObjects()
            objects.put(secret: "creds", namespace: "prod", ["password": "one", "old": "x"])
            let spec = pod([CoreV1.Volume(name: "creds", secret: CoreV1.SecretVolumeSource(secretName: "creds"))])
            let volumes = manager(root, objects)
            let first = await volumes.setUp(spec, downward: downward(spec))
            let path = try #require(first.volumes.volumes["creds"]).hostPath
            #expect(text(path + "/password") == "one")
            let before = try #require(NodeFiles.readLink(path + "/..data"))
            _ = await volumes.setUp(spec, downward: downward(spec))
            #expect(NodeFiles.readLink(path + "/..data") == before, "unchanged contents are not rewritten")
            objects.put(secret: "creds", namespace: "prod", ["password": "two"])
            _ = await volumes.setUp(spec, downward: downward(spec))
            let after = try #require(NodeFiles.readLink(path + "/..data"))
            #expect(after != before)
            #expect(text(path + "/password") == "two")
            #expect(NodeFiles.kind(path + "/old", follow: false) == .missing)
            #expect(NodeFiles.kind(path + "/" + before) == .missing)
            #expect(NodeFiles.list(path).filter { $0.hasPrefix("..") }.sorted() == [after, "..data"].sorted())
        }
    }

    @Test("missing objects fail unless optional; missing keys likewise")
    func missingObjects() async throws {
        try await withVolumeRoot { root in
            let objects = FakePodObjects()
            objects.put(configMap: "settings", namespace: "prod", ["a": "1"])
            let spec = pod([
                CoreV1.Volume(configMap: CoreV1.ConfigMapVolumeSource(name: "absent"), name: "x"),
                CoreV1.Volume(configMap: CoreV1.ConfigMapVolumeSource(name: "absent", optional: true), name: "y"),
                CoreV1.Volume(name: "z", secret: CoreV1.SecretVolumeSource(secretName: "gone")),
                CoreV1.Volume(configMap: CoreV1.ConfigMapVolumeSource(items: [CoreV1.KeyToPath(key: "b", path: "b")], name: "settings"), name: "k"),
            ])
            let (volumes, failures) = await manager(root, objects).setUp(spec, downward: downward(spec))
            #expect(failures.map(\.volume) == ["x", "z", "k"])
            #expect(failures.map(\.error.message) == [
                "configmap \"absent\" not found", "secret \"gone\" not found", "configmap references non-existent config key: b",
            ])
            let optional = try #require(volumes.volumes["y"]).hostPath
            #expect(NodeFiles.kind(optional) == .directory)
            #expect(NodeFiles.list(optional).filter { !$0.hasPrefix("..") }.isEmpty)
        }
    }

    @Test("downwardAPI files: fields, label and annotation maps, resources")
    func downwardFiles() async throws {
        try await withVolumeRoot { root in
            let spec = pod([CoreV1.Volume(downwardAPI: CoreV1.DownwardAPIVolumeSource(items: [
                CoreV1.DownwardAPIVolumeFile(fieldRef: CoreV1.ObjectFieldSelector(fieldPath: "metadata.name"), path: "name"),
                CoreV1.DownwardAPIVolumeFile(fieldRef: CoreV1.ObjectFieldSelector(fieldPath: "metadata.labels"), path: "labels"),
                CoreV1.DownwardAPIVolumeFile(fieldRef: CoreV1.ObjectFieldSelector(fieldPath: "metadata.annotations"), mode: 0o640, path: "meta/annotations"),
                CoreV1.DownwardAPIVolumeFile(path: "mem", resourceFieldRef: CoreV1.ResourceFieldSelector(containerName: "main", divisor: "1Mi", resource: "limits.memory")),
                CoreV1.DownwardAPIVolumeFile(path: "cpu", resourceFieldRef: CoreV1.ResourceFieldSelector(containerName: "main", resource: "limits.cpu")),
            ]), name: "info")])
            let (volumes, failures) = await manager(root, FakePodObjects()).setUp(spec, downward: downward(spec))
            #expect(failures.isEmpty)
            let path = try #require(volumes.volumes["info"]).hostPath
            #expect(path.hasSuffix("/volumes/kubernetes.io~downward-api/info"))
            #expect(text(path + "/name") == "web")
            #expect(text(path + "/labels") == "app=\"web\"\ntier=\"front\"")
            #expect(text(path + "/meta/annotations") == "note=\"say \\\"hi\\\"\"")
            #expect(NodeFiles.mode(path + "/meta/annotations") == 0o640)
            #expect(text(path + "/mem") == "128")
            #expect(text(path + "/cpu") == "4")
        }
    }

    @Test("projected kube-api-access: a bound token refreshed at 80% of its life, ca.crt and namespace")
    func projectedToken() async throws {
        try await withVolumeRoot { root in
            let objects = FakePodObjects()
            objects.put(configMap: "kube-root-ca.crt", namespace: "prod", ["ca.crt": "CERT"])
            let manual = ManualClock()
            let clock = KubeletClock(manual)
            objects.objects.withLock { $0.now = clock.wallNanoseconds / 1_000_000_000 }
            let spec = pod([CoreV1.Volume(name: "kube-api-access-abcde", projected: CoreV1.ProjectedVolumeSource(defaultMode: 420, sources: [
                CoreV1.VolumeProjection(serviceAccountToken: CoreV1.ServiceAccountTokenProjection(expirationSeconds: 3607, path: "token")),
                CoreV1.VolumeProjection(configMap: CoreV1.ConfigMapProjection(items: [CoreV1.KeyToPath(key: "ca.crt", path: "ca.crt")], name: "kube-root-ca.crt")),
                CoreV1.VolumeProjection(downwardAPI: CoreV1.DownwardAPIProjection(items: [
                    CoreV1.DownwardAPIVolumeFile(fieldRef: CoreV1.ObjectFieldSelector(apiVersion: "v1", fieldPath: "metadata.namespace"), path: "namespace"),
                ])),
            ]))])
            let volumes = manager(root, objects, clock: clock)
            let (set, failures) = await volumes.setUp(spec, downward: downward(spec))
            #expect(failures.isEmpty)
            let path = try #require(set.volumes["kube-api-access-abcde"]).hostPath
            #expect(path.hasSuffix("/volumes/kubernetes.io~projected/kube-api-access-abcde"))
            #expect(text(path + "/token") == "token-1")
            #expect(text(path + "/ca.crt") == "CERT")
            #expect(text(path + "/namespace") == "prod")
            #expect(NodeFiles.mode(path + "/token") == 0o644)
            let request = try #require(objects.objects.withLock { $0.tokenRequests.first })
            #expect(request.serviceAccount == "robot")
            #expect(request.expirationSeconds == 3607)
            #expect(request.pod == "web")
            manual.advance(by: .seconds(2000))
            _ = await volumes.setUp(spec, downward: downward(spec))
            #expect(text(path + "/token") == "token-1", "not refreshed before 80% of its life")
            manual.advance(by: .seconds(1000))
            _ = await volumes.setUp(spec, downward: downward(spec))
            #expect(text(path + "/token") == "token-2")
        }
    }

    @Test("hostPath types are checked or created")
    func hostPathTypes() async throws {
        try await withVolumeRoot { root in
            try NodeFiles.makeDirectory(root + "/dir")
            try NodeFiles.write(Array("x".utf8), to: root + "/file", mode: 0o644)
            func check(_ path: String, _ type: String) -> String? {
                do {
                    try HostPathCheck.check(path, type: type)
                    return nil
                } catch {
                    return error.message
                }
            }
            #expect(check(root + "/nothing", "") == nil)
            #expect(check(root + "/dir", "Directory") == nil)
            #expect(check(root + "/file", "Directory") == "hostPath type check failed: \(root)/file is not a directory")
            #expect(check(root + "/missing", "Directory") == "hostPath type check failed: \(root)/missing is not a directory")
            #expect(check(root + "/new/deep", "DirectoryOrCreate") == nil)
            #expect(NodeFiles.kind(root + "/new/deep") == .directory)
            #expect(check(root + "/file", "DirectoryOrCreate") != nil)
            #expect(check(root + "/file", "File") == nil)
            #expect(check(root + "/dir", "File") == "hostPath type check failed: \(root)/dir is not a file")
            #expect(check(root + "/created", "FileOrCreate") == nil)
            #expect(NodeFiles.kind(root + "/created") == .file)
            #expect(check(root + "/file", "Socket") == "hostPath type check failed: \(root)/file is not a socket file")
            #expect(check("/dev/null", "CharDevice") == nil)
            #expect(check(root + "/file", "CharDevice") == "hostPath type check failed: \(root)/file is not a character device")
            #expect(check("/dev/null", "BlockDevice") == "hostPath type check failed: /dev/null is not a block device")
            #expect(check(root + "/dir", "Bogus") != nil)
        }
    }

    @Test("emptyDir, claims on hostPath and local volumes, hosts file, termination log, and teardown")
    func emptyDirClaimsAndTeardown() async throws {
        try await withVolumeRoot { root in
            let objects = FakePodObjects()
            let data = root + "/pv-data"
            try NodeFiles.makeDirectory(data)
            objects.objects.withLock {
                $0.claims["prod/claim"] = CoreV1.PersistentVolumeClaim(
                    metadata: MetaV1.ObjectMeta(name: "claim", namespace: "prod"), spec: CoreV1.PersistentVolumeClaimSpec(volumeName: "pv-1"))
                $0.claims["prod/local"] = CoreV1.PersistentVolumeClaim(
                    metadata: MetaV1.ObjectMeta(name: "local", namespace: "prod"), spec: CoreV1.PersistentVolumeClaimSpec(volumeName: "pv-2"))
                $0.claims["prod/pending"] = CoreV1.PersistentVolumeClaim(metadata: MetaV1.ObjectMeta(name: "pending", namespace: "prod"))
                $0.volumes["pv-1"] = CoreV1.PersistentVolume(
                    metadata: MetaV1.ObjectMeta(name: "pv-1"),
                    spec: CoreV1.PersistentVolumeSpec(hostPath: CoreV1.HostPathVolumeSource(path: data + "/one", type: "DirectoryOrCreate")))
                $0.volumes["pv-2"] = CoreV1.PersistentVolume(
                    metadata: MetaV1.ObjectMeta(name: "pv-2"), spec: CoreV1.PersistentVolumeSpec(local: CoreV1.LocalVolumeSource(path: data)))
            }
            let spec = pod([
                CoreV1.Volume(emptyDir: CoreV1.EmptyDirVolumeSource(), name: "scratch"),
                CoreV1.Volume(emptyDir: CoreV1.EmptyDirVolumeSource(medium: "Memory", sizeLimit: "64Mi"), name: "memory"),
                CoreV1.Volume(name: "claim", persistentVolumeClaim: CoreV1.PersistentVolumeClaimVolumeSource(claimName: "claim", readOnly: true)),
                CoreV1.Volume(name: "local", persistentVolumeClaim: CoreV1.PersistentVolumeClaimVolumeSource(claimName: "local")),
                CoreV1.Volume(name: "pending", persistentVolumeClaim: CoreV1.PersistentVolumeClaimVolumeSource(claimName: "pending")),
                CoreV1.Volume(name: "nothing", persistentVolumeClaim: CoreV1.PersistentVolumeClaimVolumeSource(claimName: "nothing")),
            ])
            let volumes = manager(root, objects)
            let (set, failures) = await volumes.setUp(spec, downward: downward(spec))
            #expect(failures.map(\.volume) == ["pending", "nothing"])
            #expect(failures.last?.error.message == "persistentvolumeclaim \"nothing\" not found")
            let scratch = try #require(set.volumes["scratch"])
            #expect(scratch.hostPath == "\(root)/pods/uid-1/volumes/kubernetes.io~empty-dir/scratch")
            #expect(NodeFiles.mode(scratch.hostPath) == 0o777)
            #expect(set.volumes["claim"] == PodVolumes.Volume(hostPath: data + "/one", readOnly: true))
            #expect(NodeFiles.kind(data + "/one") == .directory)
            #expect(set.volumes["local"] == PodVolumes.Volume(hostPath: data))
            #expect(volumes.mounted("uid-1") == nil, "a failed set-up is not kept")

            let hosts = try volumes.writeHostsFile("uid-1", contents: "127.0.0.1\tlocalhost\n")
            #expect(text(hosts) == "127.0.0.1\tlocalhost\n")
            let log = try volumes.terminationLogFile("uid-1", container: "main", attempt: 2)
            #expect(log == "\(root)/pods/uid-1/containers/main/2")
            #expect(NodeFiles.kind(log) == .file)

            try volumes.tearDown("uid-1")
            #expect(NodeFiles.kind("\(root)/pods/uid-1") == .missing)
            #expect(NodeFiles.kind(data + "/one") == .directory, "claims' data stays")
            #expect(volumes.podsSetUp.isEmpty)
        }
    }

    @Test("a medium: Memory emptyDir is a tmpfs with its size limit, secrets are on a tmpfs, unmounted at teardown", .enabled(if: VolumeManager.canMount))
    func tmpfs() async throws {
        try await withVolumeRoot { root in
            let spec = pod([
                CoreV1.Volume(emptyDir: CoreV1.EmptyDirVolumeSource(medium: "Memory", sizeLimit: "8Mi"), name: "memory"),
                CoreV1.Volume(name: "creds", secret: CoreV1.SecretVolumeSource(secretName: "creds")),
            ])
            let objects = FakePodObjects()
            objects.put(secret: "creds", namespace: "prod", ["password": "one"])
            let volumes = VolumeManager(root: root, source: objects, mountTmpfs: true, logger: logger)
            defer { NodeFiles.unmountAll(under: root) }
            let (set, failures) = await volumes.setUp(spec, downward: downward(spec))
            #expect(failures.isEmpty)
            let path = try #require(set.volumes["memory"]).hostPath
            let line = try #require(text("/proc/self/mountinfo")?.split(separator: "\n").first { $0.split(separator: " ")[4] == path })
            #expect(line.contains(" - tmpfs "))
            #expect(line.contains("size=8192k"))
            _ = await volumes.setUp(spec, downward: downward(spec))
            let mounts = text("/proc/self/mountinfo")?.split(separator: "\n").filter { $0.contains(path) }.count
            #expect(mounts == 1, "a second set-up does not mount again")
            let secret = try #require(set.volumes["creds"]).hostPath
            let secretMount = try #require(text("/proc/self/mountinfo")?.split(separator: "\n").first { $0.split(separator: " ")[4] == secret })
            #expect(secretMount.contains(" - tmpfs "), "secrets live in memory")
            #expect(text(secret + "/password") == "one")
            try volumes.tearDown("uid-1")
            #expect(NodeFiles.kind(root + "/pods/uid-1") == .missing)
        }
    }
}

@Suite("Volume manager: fsGroup")
struct VolumeGroupTests {
    let logger = Logger(label: "volumes-test", factory: { _ in SwiftLogNoOpLogHandler() })

    func group(_ path: String) -> gid_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_gid : nil
    }

    @Test("fsGroup owns emptyDir and secret volumes; secret files become group-readable", .enabled(if: VolumeManager.canMount))
    func fsGroup() async throws {
        try await withVolumeRoot { root in
            let objects = FakePodObjects()
            objects.put(secret: "creds", namespace: "prod", ["password": "one"])
            let pod = CoreV1.Pod(
                metadata: MetaV1.ObjectMeta(name: "web", namespace: "prod", uid: "uid-g"),
                spec: CoreV1.PodSpec(
                    containers: [CoreV1.Container(image: "busybox", name: "main")], securityContext: CoreV1.PodSecurityContext(fsGroup: 4242),
                    volumes: [
                        CoreV1.Volume(emptyDir: CoreV1.EmptyDirVolumeSource(), name: "scratch"),
                        CoreV1.Volume(name: "creds", secret: CoreV1.SecretVolumeSource(defaultMode: 0o400, secretName: "creds")),
                    ]))
            let manager = VolumeManager(root: root, source: objects, mountTmpfs: false, logger: logger)
            let downward = DownwardAPI(pod: pod, podIPs: [], hostIPs: [], allocatable: [:])
            let (volumes, failures) = await manager.setUp(pod, downward: downward)
            #expect(failures.isEmpty)
            let scratch = try #require(volumes.volumes["scratch"]).hostPath
            #expect(group(scratch) == 4242)
            #expect(NodeFiles.mode(scratch) == 0o2777)
            let creds = try #require(volumes.volumes["creds"]).hostPath
            #expect(group(creds + "/password") == 4242)
            #expect(NodeFiles.mode(creds + "/password") == 0o440)
            let data = try #require(NodeFiles.readLink(creds + "/..data"))
            _ = await manager.setUp(pod, downward: downward)
            #expect(NodeFiles.readLink(creds + "/..data") == data, "unchanged contents are not rewritten")
        }
    }
}
