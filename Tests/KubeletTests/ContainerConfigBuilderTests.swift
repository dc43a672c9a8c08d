import KubeAPI
import Testing
@testable import Kubelet

@Suite("Container configuration")
struct ContainerConfigBuilderTests {
    func pod(_ container: CoreV1.Container, security: CoreV1.PodSecurityContext? = nil, volumes: [CoreV1.Volume]? = nil) -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(
                annotations: ["team": "blue"], labels: ["app": "web"], name: "web", namespace: "prod", uid: "uid-7"),
            spec: CoreV1.PodSpec(
                containers: [container], nodeName: "node-a", securityContext: security, serviceAccountName: "robot", volumes: volumes))
    }

    func downward(_ pod: CoreV1.Pod) -> DownwardAPI {
        DownwardAPI(pod: pod, podIPs: ["10.42.0.9", "fd00::9"], hostIPs: ["10.0.0.5"],
                    allocatable: ["cpu": Quantity("4"), "memory": Quantity("16Gi"), "ephemeral-storage": Quantity("100Gi")])
    }

    func env(_ name: String, _ value: String) -> CoreV1.EnvVar { CoreV1.EnvVar(name: name, value: value) }
    func env(_ name: String, from source: CoreV1.EnvVarSource) -> CoreV1.EnvVar { CoreV1.EnvVar(name: name, valueFrom: source) }
    func field(_ path: String) -> CoreV1.EnvVarSource { CoreV1.EnvVarSource(fieldRef: CoreV1.ObjectFieldSelector(fieldPath: path)) }

    @Test("$(VAR) expands defined names, keeps undefined ones and unescapes $$")
    func expansion() {
        let values = ["A": "1", "B": "two"]
        #expect(VariableExpansion.expand("x$(A)y$(B)", { values[$0] }) == "x1ytwo")
        #expect(VariableExpansion.expand("$(C) stays", { values[$0] }) == "$(C) stays")
        #expect(VariableExpansion.expand("$$(A) escaped", { values[$0] }) == "$(A) escaped")
        #expect(VariableExpansion.expand("$$$(A)", { values[$0] }) == "$1")
        #expect(VariableExpansion.expand("cost $5 and $(A", { values[$0] }) == "cost $5 and $(A")
        #expect(VariableExpansion.expand("end$", { values[$0] }) == "end$")
        #expect(VariableExpansion.isValidName("GOOD_name.1-x"))
        #expect(!VariableExpansion.isValidName("1BAD"))
        #expect(!VariableExpansion.isValidName("has space"))
    }

    @Test("env from every source, in order, with expansion of earlier variables")
    func environmentSources() async throws {
        let objects = FakePodObjects()
        objects.put(configMap: "settings", namespace: "prod", ["LEVEL": "debug", "bad key": "x", "MODE": "fast"])
        objects.put(secret: "creds", namespace: "prod", ["PASSWORD": "hunter2", "TOKEN": "t0k"])
        let container = CoreV1.Container(
            env: [
                env("GREETING", "hello $(NAME)"),
                env("NAME", from: field("metadata.name")),
                env("FULL", "$(NAME).$(NS) $(MISSING) $$(NAME)"),
                env("NS", from: field("metadata.namespace")),
                env("UID", from: field("metadata.uid")),
                env("APP", from: field("metadata.labels['app']")),
                env("TEAM", from: field("metadata.annotations['team']")),
                env("NODE", from: field("spec.nodeName")),
                env("SA", from: field("spec.serviceAccountName")),
                env("HOST_IP", from: field("status.hostIP")),
                env("POD_IP", from: field("status.podIP")),
                env("POD_IPS", from: field("status.podIPs")),
                env("KEY", from: CoreV1.EnvVarSource(configMapKeyRef: CoreV1.ConfigMapKeySelector(key: "LEVEL", name: "settings"))),
                env("PASS", from: CoreV1.EnvVarSource(secretKeyRef: CoreV1.SecretKeySelector(key: "PASSWORD", name: "creds"))),
                env("OPT", from: CoreV1.EnvVarSource(secretKeyRef: CoreV1.SecretKeySelector(key: "NOPE", name: "creds", optional: true))),
                env("MODE", "overridden"),
            ],
            envFrom: [
                CoreV1.EnvFromSource(configMapRef: CoreV1.ConfigMapEnvSource(name: "settings")),
                CoreV1.EnvFromSource(prefix: "S_", secretRef: CoreV1.SecretEnvSource(name: "creds")),
                CoreV1.EnvFromSource(configMapRef: CoreV1.ConfigMapEnvSource(name: "absent", optional: true)),
            ],
            image: "busybox", name: "main")
        let pod = pod(container)
        let environment = try await ContainerEnvironment.resolve(container, downward: downward(pod), source: objects)
        let names = environment.variables.map(\.name)
        #expect(Array(names.prefix(4)) == ["LEVEL", "MODE", "S_PASSWORD", "S_TOKEN"])
        #expect(environment.invalidKeys == ["bad key"])
        let value = { (name: String) in environment.value(of: name) }
        #expect(value("MODE") == "overridden")
        #expect(names.firstIndex(of: "MODE") == 1)
        #expect(value("GREETING") == "hello $(NAME)")
        #expect(value("FULL") == "web.$(NS) $(MISSING) $(NAME)")
        #expect(value("NAME") == "web")
        #expect(value("NS") == "prod")
        #expect(value("UID") == "uid-7")
        #expect(value("APP") == "web")
        #expect(value("TEAM") == "blue")
        #expect(value("NODE") == "node-a")
        #expect(value("SA") == "robot")
        #expect(value("HOST_IP") == "10.0.0.5")
        #expect(value("POD_IP") == "10.42.0.9")
        #expect(value("POD_IPS") == "10.42.0.9,fd00::9")
        #expect(value("KEY") == "debug")
        #expect(value("PASS") == "hunter2")
        #expect(value("S_TOKEN") == "t0k")
        #expect(value("OPT") == nil)
    }

    @Test("missing objects and keys fail with upstream's messages unless optional")
    func environmentErrors() async throws {
        let objects = FakePodObjects()
        objects.put(configMap: "settings", namespace: "prod", ["LEVEL": "debug"])
        func resolve(_ variable: CoreV1.EnvVar) async throws {
            let container = CoreV1.Container(env: [variable], image: "busybox", name: "main")
            _ = try await ContainerEnvironment.resolve(container, downward: downward(pod(container)), source: objects)
        }
        await #expect(throws: PodConfigError("configmap \"nope\" not found")) {
            try await resolve(env("X", from: CoreV1.EnvVarSource(configMapKeyRef: CoreV1.ConfigMapKeySelector(key: "k", name: "nope"))))
        }
        await #expect(throws: PodConfigError("couldn't find key k in ConfigMap prod/settings")) {
            try await resolve(env("X", from: CoreV1.EnvVarSource(configMapKeyRef: CoreV1.ConfigMapKeySelector(key: "k", name: "settings"))))
        }
        await #expect(throws: PodConfigError("secret \"creds\" not found")) {
            try await resolve(env("X", from: CoreV1.EnvVarSource(secretKeyRef: CoreV1.SecretKeySelector(key: "k", name: "creds"))))
        }
        await #expect(throws: PodConfigError("unsupported fieldPath: spec.bogus")) {
            try await resolve(env("X", from: field("spec.bogus")))
        }
        try await resolve(env("X", from: CoreV1.EnvVarSource(configMapKeyRef: CoreV1.ConfigMapKeySelector(key: "k", name: "nope", optional: true))))
    }

    @Test("resourceFieldRef with divisors, rounding up, and limits defaulting to allocatable")
    func resourceFields() throws {
        let container = CoreV1.Container(
            image: "busybox", name: "main",
            resources: CoreV1.ResourceRequirements(
                limits: ["cpu": Quantity("1500m")], requests: ["cpu": Quantity("250m"), "memory": Quantity("64Mi")]))
        let values = downward(pod(container))
        func read(_ resource: String, _ divisor: String? = nil) throws -> String {
            try values.resource(CoreV1.ResourceFieldSelector(divisor: divisor.map { Quantity($0) }, resource: resource), container: container)
        }
        #expect(try read("limits.cpu") == "2")
        #expect(try read("limits.cpu", "1m") == "1500")
        #expect(try read("requests.cpu") == "1")
        #expect(try read("requests.cpu", "1m") == "250")
        #expect(try read("requests.memory") == "67108864")
        #expect(try read("requests.memory", "1Mi") == "64")
        #expect(try read("limits.memory", "1Gi") == "16")
        #expect(try read("limits.ephemeral-storage", "1Gi") == "100")
        #expect(try read("requests.ephemeral-storage") == "0")
        #expect(throws: PodConfigError("unsupported container resource : limits.gpu")) { try read("limits.gpu") }
    }

    @Test("command and args expand the container's environment")
    func commandExpansion() throws {
        let container = CoreV1.Container(
            args: ["--name=$(NAME)", "$$(NAME)", "$(UNSET)"], command: ["/bin/$(SHELL)"], image: "busybox", name: "main",
            stdin: true, stdinOnce: true, tty: true, workingDir: "/work")
        var environment = ContainerEnvironment()
        environment.set("NAME", "web")
        environment.set("SHELL", "sh")
        let config = try ContainerConfigBuilder(pod: pod(container)).config(
            for: container, attempt: 3, isInit: false, restartPolicy: "Always", image: CRI.ImageSpec("busybox"),
            environment: environment, volumes: nil)
        #expect(config.command == ["/bin/sh"])
        #expect(config.args == ["--name=web", "$(NAME)", "$(UNSET)"])
        #expect(config.environment.map(\.name) == ["NAME", "SHELL"])
        #expect(config.logPath == "main/3.log")
        #expect(config.workingDir == "/work")
        #expect(config.stdin && config.stdinOnce && config.tty)
        #expect(config.mounts.isEmpty)
        #expect(config.annotations[ContainerAnnotations.restartCount] == "3")
        #expect(config.labels[ContainerAnnotations.podUID] == "uid-7")
    }

    @Test("CPU shares from requests, quota from limits, memory limit, OOM score by QoS")
    func resources() {
        func resources(_ requests: [String: Quantity]?, _ limits: [String: Quantity]?) -> CRI.LinuxResources {
            let container = CoreV1.Container(image: "busybox", name: "main", resources: CoreV1.ResourceRequirements(limits: limits, requests: requests))
            return ContainerConfigBuilder(pod: pod(container), memoryCapacity: 1 << 30).resources(of: container)
        }
        let burstable = resources(["cpu": Quantity("250m"), "memory": Quantity("256Mi")], ["cpu": Quantity("500m")])
        #expect(burstable.cpuShares == 256)
        #expect(burstable.cpuPeriod == 100_000)
        #expect(burstable.cpuQuota == 50_000)
        #expect(burstable.memoryLimitInBytes == 0)
        #expect(burstable.oomScoreAdj == 750)
        let guaranteed = resources(["cpu": Quantity("2"), "memory": Quantity("1Gi")], ["cpu": Quantity("2"), "memory": Quantity("1Gi")])
        #expect(guaranteed.cpuShares == 2048)
        #expect(guaranteed.cpuQuota == 200_000)
        #expect(guaranteed.memoryLimitInBytes == 1 << 30)
        #expect(guaranteed.oomScoreAdj == -997)
        let bestEffort = resources(nil, nil)
        #expect(bestEffort.cpuShares == 2)
        #expect(bestEffort.cpuQuota == 0)
        #expect(bestEffort.cpuPeriod == 0)
        #expect(bestEffort.oomScoreAdj == 1000)
        #expect(resources(["cpu": Quantity("1m")], ["cpu": Quantity("1m")]).cpuQuota == 1_000)
        #expect(resources(["cpu": Quantity("1m")], nil).cpuShares == 2)
        #expect(resources(["memory": Quantity("1Gi")], nil).oomScoreAdj == 3, "a burstable container asking for all memory")
        #expect(resources(["memory": Quantity("1")], nil).oomScoreAdj == 999, "below best-effort ones")
        let critical = CoreV1.Container(image: "busybox", name: "main")
        var criticalPod = pod(critical)
        criticalPod.spec?.priorityClassName = "system-node-critical"
        #expect(ContainerConfigBuilder(pod: criticalPod).resources(of: critical).oomScoreAdj == -997)
    }

    @Test("security: container over pod, runAsNonRoot, capabilities, no_new_privs, groups, namespaces")
    func security() throws {
        let podSecurity = CoreV1.PodSecurityContext(fsGroup: 2000, runAsGroup: 3000, runAsNonRoot: true, runAsUser: 1000, supplementalGroups: [4000, 2000])
        let container = CoreV1.Container(
            image: "busybox", name: "main",
            securityContext: CoreV1.SecurityContext(
                allowPrivilegeEscalation: false, capabilities: CoreV1.Capabilities(add: ["NET_ADMIN"], drop: ["ALL"]),
                readOnlyRootFilesystem: true, runAsUser: 1001))
        var spec = pod(container, security: podSecurity)
        spec.spec?.hostPID = true
        spec.spec?.hostIPC = true
        let security = try ContainerConfigBuilder(pod: spec).security(of: container)
        #expect(security.runAsUser == 1001)
        #expect(security.runAsGroup == 3000)
        #expect(security.addCapabilities == ["NET_ADMIN"])
        #expect(security.dropCapabilities == ["ALL"])
        #expect(security.readOnlyRootFilesystem)
        #expect(security.noNewPrivileges)
        #expect(!security.privileged)
        #expect(security.supplementalGroups == [2000, 4000])
        #expect(security.namespaces == CRI.NamespaceOptions(network: .pod, pid: .node, ipc: .node))

        let privileged = CoreV1.Container(
            image: "busybox", name: "main", securityContext: CoreV1.SecurityContext(allowPrivilegeEscalation: false, privileged: true))
        let elevated = try ContainerConfigBuilder(pod: pod(privileged)).security(of: privileged)
        #expect(elevated.privileged)
        #expect(!elevated.noNewPrivileges)
        #expect(elevated.runAsUser == nil)
        let plain = CoreV1.Container(image: "busybox", name: "main")
        #expect(try !ContainerConfigBuilder(pod: pod(plain)).security(of: plain).noNewPrivileges)

        let root = CoreV1.Container(image: "busybox", name: "main", securityContext: CoreV1.SecurityContext(runAsUser: 0))
        #expect(throws: PodConfigError.self) { try ContainerConfigBuilder(pod: pod(root, security: podSecurity)).security(of: root) }
        var shared = pod(plain)
        shared.spec?.shareProcessNamespace = true
        #expect(try ContainerConfigBuilder(pod: shared).security(of: plain).namespaces.pid == .pod)
    }

    @Test("mounts: subPath, subPathExpr, read-only volumes, propagation, /etc/hosts and the termination log")
    func mounts() throws {
        let container = CoreV1.Container(
            image: "busybox", name: "main", terminationMessagePath: "/tmp/msg",
            volumeMounts: [
                CoreV1.VolumeMount(mountPath: "/data", name: "scratch"),
                CoreV1.VolumeMount(mountPath: "/conf/app.yaml", name: "config", subPath: "app.yaml"),
                CoreV1.VolumeMount(mountPath: "/logs", mountPropagation: "HostToContainer", name: "scratch", readOnly: true, subPathExpr: "logs/$(POD)"),
            ])
        let volumes = PodVolumes(
            volumes: [
                "scratch": PodVolumes.Volume(hostPath: "/r/pods/u/volumes/kubernetes.io~empty-dir/scratch"),
                "config": PodVolumes.Volume(hostPath: "/r/pods/u/volumes/kubernetes.io~configmap/config", readOnly: true),
            ],
            hostsFile: "/r/pods/u/etc-hosts")
        var environment = ContainerEnvironment()
        environment.set("POD", "web")
        let builder = ContainerConfigBuilder(pod: pod(container))
        let mounts = try builder.mounts(for: container, volumes: volumes, environment: environment, terminationLog: "/r/pods/u/containers/main/0")
        #expect(mounts == [
            CRI.Mount(containerPath: "/data", hostPath: "/r/pods/u/volumes/kubernetes.io~empty-dir/scratch"),
            CRI.Mount(containerPath: "/conf/app.yaml", hostPath: "/r/pods/u/volumes/kubernetes.io~configmap/config/app.yaml", readOnly: true),
            CRI.Mount(containerPath: "/logs", hostPath: "/r/pods/u/volumes/kubernetes.io~empty-dir/scratch/logs/web", readOnly: true, propagation: .hostToContainer),
            CRI.Mount(containerPath: "/etc/hosts", hostPath: "/r/pods/u/etc-hosts"),
            CRI.Mount(containerPath: "/tmp/msg", hostPath: "/r/pods/u/containers/main/0"),
        ])
        let own = CoreV1.Container(image: "busybox", name: "main", volumeMounts: [CoreV1.VolumeMount(mountPath: "/etc/hosts", name: "scratch")])
        let ownMounts = try builder.mounts(for: own, volumes: volumes, environment: environment, terminationLog: nil)
        #expect(ownMounts.filter { $0.containerPath == "/etc/hosts" }.count == 1)
        let unknown = CoreV1.Container(image: "busybox", name: "main", volumeMounts: [CoreV1.VolumeMount(mountPath: "/x", name: "nope")])
        #expect(throws: PodConfigError("cannot find volume \"nope\" to mount into container \"main\"")) {
            try builder.mounts(for: unknown, volumes: volumes, environment: environment, terminationLog: nil)
        }
        let escape = CoreV1.Container(image: "busybox", name: "main", volumeMounts: [CoreV1.VolumeMount(mountPath: "/x", name: "scratch", subPath: "../etc")])
        #expect(throws: PodConfigError.self) { try builder.mounts(for: escape, volumes: volumes, environment: environment, terminationLog: nil) }
        let bidirectional = CoreV1.Container(
            image: "busybox", name: "main", volumeMounts: [CoreV1.VolumeMount(mountPath: "/x", mountPropagation: "Bidirectional", name: "scratch")])
        #expect(throws: PodConfigError.self) { try builder.mounts(for: bidirectional, volumes: volumes, environment: environment, terminationLog: nil) }
    }
}
