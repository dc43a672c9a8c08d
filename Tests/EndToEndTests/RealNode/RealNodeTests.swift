import Foundation
import Testing

/// End-to-end tests of a real node: `k3s server` with its managed containerd and runc, the
/// test image imported from `DATA_DIR/agent/images` (no registry), driven by the real kubectl.
/// Each test makes its own node in its own namespaces (see ``RealNode``) and removes it.
@Suite("Real node: containerd, runc and kubectl", .enabled(if: RealNode.available))
struct RealNodeTests {
    /// The air-gapped test image (busybox) every pod here runs.
    var image: String { RealNodeImage.name }

    @Test("run to completion, logs, exec, cp, attach and port-forward")
    func everydayCommands() async throws {
        let node = try await RealNode.start()
        defer { node.stop() }

        // A pod that runs to completion, and its logs.
        try await node.kubectlOK("run", "hello", "--image", image, "--restart=Never", "--", "sh", "-c", "echo hello from $(hostname)")
        try await node.waitForPhase("hello", "Succeeded")
        #expect(try await node.kubectlOK("logs", "hello") == "hello from hello\n")
        let exit = try await node.kubectlOK("get", "pod", "hello", "-o", "jsonpath={.status.containerStatuses[0].state.terminated.exitCode} {.status.containerStatuses[0].state.terminated.reason}")
        #expect(exit == "0 Completed")

        // A server pod with an IP from the node's pod range.
        try await node.kubectlOK(
            "run", "web", "--image", image, "--port", "8080", "--",
            "sh", "-c", "mkdir -p /www && echo served > /www/index.html && exec httpd -f -p 8080 -h /www")
        try await node.waitForReady("web")
        let podIP = try await node.kubectlOK("get", "pod", "web", "-o", "jsonpath={.status.podIP}")
        #expect(podIP.hasPrefix("10.42."), "pod IP \(podIP) outside the cluster CIDR")
        let containerID = try await node.kubectlOK("get", "pod", "web", "-o", "jsonpath={.status.containerStatuses[0].containerID}")
        #expect(containerID.hasPrefix("containerd://"))

        // exec: output streams and the exit code is kept.
        let failing = try await node.kubectl(["exec", "web", "--", "sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(failing.status == 3)
        #expect(failing.stdout == "out\n")
        #expect(failing.stderr.contains("err"))
        // exec with standard input.
        let echoed = try await node.kubectl(["exec", "-i", "web", "--", "cat"], stdin: "piped input\nsecond line\n")
        #expect(echoed.status == 0, "stderr: \(echoed.stderr)")
        #expect(echoed.stdout == "piped input\nsecond line\n")

        // cp both ways.
        let source = node.dataDir + "/cp-source.txt"
        try "copied through tar\n".write(toFile: source, atomically: true, encoding: .utf8)
        try await node.kubectlOK("cp", source, "default/web:/tmp/copied.txt")
        #expect(try await node.kubectlOK("exec", "web", "--", "cat", "/tmp/copied.txt") == "copied through tar\n")
        let back = node.dataDir + "/cp-back.txt"
        try await node.kubectlOK("cp", "default/web:/tmp/copied.txt", back)
        #expect((try? String(contentsOfFile: back, encoding: .utf8)) == "copied through tar\n")

        // port-forward.
        let forwardLog = node.dataDir + "/port-forward.log"
        let forward = try node.spawnInNode(
            [K3sServerProcess.executable(named: "kubectl")!, "--kubeconfig", node.kubeconfig, "port-forward", "pod/web", "18080:8080"],
            output: forwardLog)
        defer { if forward.isRunning { forward.terminate() } }
        try await pollFile(forwardLog, contains: "Forwarding from 127.0.0.1:18080")
        let fetched = try await node.inNode(["/bin/busybox", "wget", "-qO-", "http://127.0.0.1:18080/index.html"])
        #expect(fetched.stdout == "served\n", "stderr: \(fetched.stderr)")

        // attach: `kubectl run -i` attaches to the new pod's standard input and output.
        let attached = try await node.kubectl(
            ["run", "attach", "--image", image, "-i", "--restart=Never", "--", "sh", "-c", "read line; echo got $line"], stdin: "ping\n")
        #expect(attached.stdout.contains("got ping"), "output: \(attached.stdout) \(attached.stderr)")

        // The Node reports the machine and its runtime.
        let runtime = try await node.kubectlOK("get", "node", node.nodeName, "-o", "jsonpath={.status.nodeInfo.containerRuntimeVersion}")
        #expect(runtime.hasPrefix("containerd://"))
        let role = try await node.kubectlOK("get", "node", node.nodeName, "-o", "jsonpath={.metadata.labels.node-role\\.kubernetes\\.io/control-plane}")
        #expect(role == "true")
    }

    @Test("crash loops, logs --previous and -f, and bad input get upstream's reasons")
    func failures() async throws {
        let node = try await RealNode.start()
        defer { node.stop() }

        // A crashing container: CrashLoopBackOff, restarts counted, the previous run's logs kept.
        try await node.kubectlOK("run", "crash", "--image", image, "--", "sh", "-c", "echo run at $(date +%s%N); exit 1")
        _ = try await node.waitFor("crash restarted", ["get", "pod", "crash", "-o", "jsonpath={.status.containerStatuses[0].restartCount}"], timeout: .seconds(90)) {
            (Int($0) ?? 0) >= 1
        }
        _ = try await node.waitFor("CrashLoopBackOff", ["get", "pod", "crash", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}"]) {
            $0 == "CrashLoopBackOff"
        }
        let previous = try await node.kubectlOK("logs", "crash", "--previous")
        #expect(previous.hasPrefix("run at "))
        let lastExit = try await node.kubectlOK("get", "pod", "crash", "-o", "jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode}")
        #expect(lastExit == "1")

        // logs -f follows until the container ends.
        try await node.kubectlOK("run", "counter", "--image", image, "--restart=Never", "--", "sh", "-c", "for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done")
        try await node.waitFor("counter started", ["get", "pod", "counter", "-o", "jsonpath={.status.phase}"]) { $0 == "Running" || $0 == "Succeeded" }
        let followed = try await node.kubectlOK("logs", "-f", "counter")
        #expect(followed == "line 1\nline 2\nline 3\nline 4\nline 5\n")

        // An image no registry has: ErrImagePull / ImagePullBackOff with the runtime's message.
        try await node.kubectlOK("run", "noimage", "--image", "registry.invalid/none/such:1")
        let pullReason = try await node.waitFor("pull failure", ["get", "pod", "noimage", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}"]) {
            $0 == "ErrImagePull" || $0 == "ImagePullBackOff"
        }
        #expect(!pullReason.isEmpty)
        let pullEvents = try await node.kubectlOK("get", "events", "--field-selector", "involvedObject.name=noimage", "-o", "jsonpath={.items[*].reason}")
        #expect(pullEvents.contains("Failed"))

        // A command that does not exist: the container cannot start, with the runtime's message.
        try await node.kubectlOK("run", "nocommand", "--image", image, "--restart=Never", "--command", "--", "/no/such/binary")
        let startFailure = try await node.waitFor("start failure", ["get", "pod", "nocommand", "-o", "jsonpath={.status.containerStatuses[0].state}"]) {
            $0.contains("StartError") || $0.contains("RunContainerError") || $0.contains("CreateContainerError") || $0.contains("ContainerCannotRun")
        }
        #expect(startFailure.contains("no/such/binary") || startFailure.contains("no such file"))

        // A volume naming a missing configMap: ContainerCreating with FailedMount, until it appears.
        try await node.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Pod
            metadata: {name: needs-config}
            spec:
              containers:
              - {name: main, image: \(image), command: [sh, -c, "echo $(cat /config/greeting); sleep 3600"], volumeMounts: [{name: config, mountPath: /config}]}
              volumes:
              - {name: config, configMap: {name: late-config}}
            """)
        _ = try await node.waitFor("FailedMount", ["get", "events", "--field-selector", "involvedObject.name=needs-config,reason=FailedMount", "-o", "jsonpath={.items[*].message}"]) {
            $0.contains("late-config")
        }
        #expect(try await node.kubectlOK("get", "pod", "needs-config", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}") == "ContainerCreating")
        try await node.kubectlOK("create", "configmap", "late-config", "--from-literal=greeting=hello late")
        try await node.waitForReady("needs-config", timeout: .seconds(90))
        #expect(try await node.kubectlOK("logs", "needs-config") == "hello late\n")

        // A hostPort already taken by another pod: the second cannot be placed on the only node.
        for name in ["port-a", "port-b"] {
            try await node.kubectlOK("apply", "-f", "-", stdin: """
                apiVersion: v1
                kind: Pod
                metadata: {name: \(name)}
                spec:
                  containers:
                  - {name: main, image: \(image), command: [sleep, "3600"], ports: [{containerPort: 80, hostPort: 30080}]}
                """)
        }
        try await node.waitForReady("port-a")
        _ = try await node.waitFor("port conflict", ["get", "events", "--field-selector", "involvedObject.name=port-b", "-o", "jsonpath={.items[*].message}"]) {
            $0.contains("free ports")
        }

        // An OOM kill: the container's memory limit is enforced and reported.
        try await node.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Pod
            metadata: {name: hungry}
            spec:
              restartPolicy: Never
              containers:
              - name: main
                image: \(image)
                command: [sh, -c, "head -c 200m /dev/zero | tail"]
                resources: {limits: {memory: 32Mi}}
            """)
        try await node.waitForPhase("hungry", "Failed", timeout: .seconds(90))
        #expect(try await node.kubectlOK("get", "pod", "hungry", "-o", "jsonpath={.status.containerStatuses[0].state.terminated.reason}") == "OOMKilled")

        // Nothing else on the node was disturbed.
        #expect(try await node.kubectlOK("get", "pod", "port-a", "-o", "jsonpath={.status.containerStatuses[0].restartCount}") == "0")
    }

    @Test("volumes and environment: configMap, secret, downwardAPI, projected, emptyDir; a secret update reaches the pod")
    func volumes() async throws {
        let node = try await RealNode.start()
        defer { node.stop() }
        try await node.kubectlOK("create", "configmap", "settings", "--from-literal=mode=fast", "--from-literal=level=3")
        try await node.kubectlOK("create", "secret", "generic", "creds", "--from-literal=password=s3cret")
        try await node.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: v1
            kind: Pod
            metadata: {name: vols, labels: {app: vols}}
            spec:
              containers:
              - name: main
                image: \(image)
                command: [sleep, "3600"]
                env:
                - {name: MODE, valueFrom: {configMapKeyRef: {name: settings, key: mode}}}
                - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: GREETING, value: "mode is $(MODE)"}
                resources: {limits: {memory: 64Mi}}
                volumeMounts:
                - {name: config, mountPath: /etc/settings}
                - {name: secret, mountPath: /etc/creds}
                - {name: info, mountPath: /etc/info}
                - {name: all, mountPath: /etc/all}
                - {name: scratch, mountPath: /scratch}
                - {name: memory, mountPath: /fast}
              volumes:
              - {name: config, configMap: {name: settings}}
              - {name: secret, secret: {secretName: creds}}
              - {name: info, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}
              - name: all
                projected:
                  sources:
                  - configMap: {name: settings, items: [{key: level, path: level}]}
                  - serviceAccountToken: {path: token, expirationSeconds: 3600}
              - {name: scratch, emptyDir: {}}
              - {name: memory, emptyDir: {medium: Memory, sizeLimit: 16Mi}}
            """)
        try await node.waitForReady("vols", timeout: .seconds(90))
        func read(_ command: String) async throws -> String {
            try await node.kubectlOK("exec", "vols", "--", "sh", "-c", command)
        }
        #expect(try await read("cat /etc/settings/mode") == "fast")
        #expect(try await read("cat /etc/creds/password") == "s3cret")
        #expect(try await read("cat /etc/info/labels") == "app=\"vols\"")
        #expect(try await read("cat /etc/all/level") == "3")
        #expect(try await read("cut -d. -f1 /etc/all/token | wc -c").trimmingCharacters(in: .whitespacesAndNewlines) != "0")
        #expect(try await read("echo $MODE $PASSWORD $POD_NAME; echo $GREETING") == "fast s3cret vols\nmode is fast\n")
        #expect(try await read("echo scratch > /scratch/f && cat /scratch/f") == "scratch\n")
        #expect(try await read("grep ' /fast ' /proc/mounts | cut -d' ' -f3") == "tmpfs\n")
        // Updates reach the running pod through the ..data swap.
        let rotated = try await node.kubectlOK("create", "secret", "generic", "creds", "--from-literal=password=rotated", "--dry-run=client", "-o", "yaml")
        try await node.kubectlOK("apply", "-f", "-", stdin: rotated)
        _ = try await node.waitFor("secret update in the pod", ["exec", "vols", "--", "cat", "/etc/creds/password"], timeout: .seconds(90)) { $0 == "rotated" }
    }

    @Test("liveness restarts a container, readiness gates its EndpointSlice, top and drain work")
    func probesTopAndDrain() async throws {
        let node = try await RealNode.start()
        defer { node.stop() }
        try await node.kubectlOK("apply", "-f", "-", stdin: """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 1
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  terminationGracePeriodSeconds: 2
                  containers:
                  - name: main
                    image: \(image)
                    command: [sh, -c, "mkdir -p /www && exec httpd -f -p 8080 -h /www"]
                    ports: [{containerPort: 8080}]
                    readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: alive}
            spec:
              containers:
              - name: main
                image: \(image)
                command: [sh, -c, "touch /tmp/healthy; sleep 3600"]
                livenessProbe: {exec: {command: [cat, /tmp/healthy]}, periodSeconds: 1, failureThreshold: 1}
            """)
        // Readiness: not ready (404 on /ready), so the endpoint is not ready; then ready.
        let pod = try await node.waitFor("web pod", ["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"]) { !$0.isEmpty }
        try await node.waitForPhase(pod, "Running")
        _ = try await node.waitFor("unready endpoint", ["get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={.items[0].endpoints[0].conditions.ready}"]) { $0 == "false" }
        try await node.kubectlOK("exec", pod, "--", "sh", "-c", "echo ok > /www/ready")
        _ = try await node.waitFor("ready endpoint", ["get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o", "jsonpath={.items[0].endpoints[0].conditions.ready}"]) { $0 == "true" }

        // Liveness: removing the file makes the probe fail and the container restart.
        try await node.waitForReady("alive")
        try await node.kubectlOK("exec", "alive", "--", "rm", "/tmp/healthy")
        _ = try await node.waitFor("liveness restart", ["get", "pod", "alive", "-o", "jsonpath={.status.containerStatuses[0].restartCount}"], timeout: .seconds(60)) { (Int($0) ?? 0) >= 1 }
        let unhealthy = try await node.kubectlOK("get", "events", "--field-selector", "involvedObject.name=alive,reason=Unhealthy", "-o", "jsonpath={.items[0].message}")
        #expect(unhealthy.hasPrefix("Liveness probe failed"))

        // top node / top pod, from the kubelet's resource metrics.
        let topNode = try await node.waitFor("kubectl top node", ["top", "node", "--no-headers"], timeout: .seconds(90)) { $0.contains(node.nodeName) }
        #expect(topNode.contains("%"))
        _ = try await node.waitFor("kubectl top pod", ["top", "pod", "alive", "--no-headers"], timeout: .seconds(90)) { $0.contains("alive") }

        // drain: blocked by a PodDisruptionBudget, allowed once it is relaxed.
        try await node.kubectlOK("create", "poddisruptionbudget", "web", "--selector", "app=web", "--min-available", "1")
        _ = try await node.waitFor("budget status", ["get", "pdb", "web", "-o", "jsonpath={.status.currentHealthy}"]) { $0 == "1" }
        let blocked = try await node.kubectl(["drain", node.nodeName, "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--timeout", "8s", "--pod-selector", "app=web"])
        #expect(blocked.status != 0)
        #expect(blocked.stderr.contains("disruption budget") || blocked.stdout.contains("disruption budget"), "stderr: \(blocked.stderr)")
        try await node.kubectlOK("patch", "pdb", "web", "--type", "merge", "-p", "{\"spec\":{\"minAvailable\":0}}")
        _ = try await node.waitFor("budget relaxed", ["get", "pdb", "web", "-o", "jsonpath={.status.disruptionsAllowed}"]) { $0 == "1" }
        try await node.kubectlOK("drain", node.nodeName, "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--timeout", "60s", "--pod-selector", "app=web")
        #expect(try await node.kubectlOK("get", "node", node.nodeName, "-o", "jsonpath={.spec.unschedulable}") == "true")
        try await node.kubectlOK("uncordon", node.nodeName)
    }

    @Test("kill -9 of the server and a restart leave running containers running")
    func restartKeepsContainers() async throws {
        let node = try await RealNode.start()
        defer { node.stop() }
        try await node.kubectlOK("run", "steady", "--image", image, "--", "sleep", "3600")
        try await node.waitForReady("steady")
        let before = try await node.kubectlOK("get", "pod", "steady", "-o", "jsonpath={.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.podIP}")
        try await node.kubectlOK("exec", "steady", "--", "sh", "-c", "echo marker > /tmp/marker")

        node.killServer()
        try node.startServer()
        try await node.waitReady()
        try await node.waitForReady("steady")
        // The restarted kubelet reports the pod again: the same container, restart count and IP.
        let after = try await node.waitFor(
            "the restarted kubelet's status",
            ["get", "pod", "steady", "-o", "jsonpath={.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.podIP}"]
        ) { $0.hasPrefix("containerd://") && !$0.hasSuffix(" ") }
        #expect(after == before)
        // The restarted kubelet serves exec once it has re-adopted the pod's containers.
        _ = try await node.waitFor("exec after the restart", ["exec", "steady", "--", "cat", "/tmp/marker"], timeout: .seconds(30)) { $0 == "marker\n" }
        // Still one sandbox for the pod: nothing was recreated.
        let sandboxes = try await node.inNode(["/usr/bin/ctr", "-a", "/run/k3s/containerd/containerd.sock", "-n", "k8s.io", "containers", "list", "-q"])
        #expect(sandboxes.stdout.split(separator: "\n").count == 2, "containers: \(sandboxes.stdout)")
    }

    @Test("the official Python client runs a pod, reads its log and execs in it", .enabled(if: K3sServerProcess.python != nil))
    func pythonClient() async throws {
        let node = try await RealNode.start()
        defer { node.stop() }
        let script = """
            import sys, time
            from kubernetes import client, config
            from kubernetes.stream import stream
            config.load_kube_config(sys.argv[1])
            v1 = client.CoreV1Api()
            pod = client.V1Pod(metadata=client.V1ObjectMeta(name="py"), spec=client.V1PodSpec(containers=[
                client.V1Container(name="main", image=sys.argv[2], command=["sh", "-c", "echo from python; sleep 3600"])]))
            v1.create_namespaced_pod("default", pod)
            deadline = time.time() + 60
            while time.time() < deadline:
                p = v1.read_namespaced_pod("py", "default")
                if p.status.phase == "Running" and all(c.ready for c in (p.status.container_statuses or [])):
                    break
                time.sleep(0.2)
            print("phase", p.status.phase)
            print("log", v1.read_namespaced_pod_log("py", "default").strip())
            out = stream(v1.connect_get_namespaced_pod_exec, "py", "default", command=["sh", "-c", "echo exec ok"],
                         stderr=True, stdin=False, stdout=True, tty=False)
            print("exec", out.strip())
            """
        let path = node.dataDir + "/pods.py"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await node.inNode([K3sServerProcess.python!, path, node.kubeconfig, image])
        #expect(result.status == 0, "python failed: \(result.stderr)")
        #expect(result.stdout == "phase Running\nlog from python\nexec exec ok\n", "stderr: \(result.stderr)")
    }
}

/// Polls a file until it contains `text` (a background command's output).
func pollFile(_ path: String, contains text: String, timeout: Duration = .seconds(30)) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let content = try? String(contentsOfFile: path, encoding: .utf8), content.contains(text) { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw E2EError("\(path) never showed \(text): \((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")")
}
