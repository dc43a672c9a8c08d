import Foundation
import Testing

/// End-to-end tests of local-path storage on a real node: the packaged `local-path` class, a
/// claim bound when its first pod is scheduled, data outliving pods, and the volume's directory
/// removed with its claim.
@Suite("Real node: local-path storage", .enabled(if: RealNode.available))
struct RealNodeStorageTests {
    var image: String { RealNodeImage.name }

    func pod(_ name: String, command: String, user: Int? = nil) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name)}
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 0
          \(user.map { "securityContext: {runAsUser: \($0), runAsGroup: \($0)}" } ?? "")
          containers:
          - {name: main, image: \(image), command: [sh, -c, "\(command)"], volumeMounts: [{name: data, mountPath: /data}]}
          volumes:
          - {name: data, persistentVolumeClaim: {claimName: data}}
        """
    }

    /// Claim `data` (64Mi, ReadWriteOnce), naming no class.
    let claimWithoutClass = """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data}
        spec:
          accessModes: [ReadWriteOnce]
          resources: {requests: {storage: 64Mi}}
        """

    func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    @Test("a claim binds on first use, keeps its data across pods and goes with its directory")
    func claimLifecycle() async throws {
        let node = try await RealNode.start()
        defer { node.stop() }
        let classes = try await node.waitFor("the local-path class", [
            "get", "storageclass", "-o",
            "jsonpath={range .items[*]}{.metadata.name} {.provisioner} {.volumeBindingMode} {.reclaimPolicy} {.metadata.annotations.storageclass\\.kubernetes\\.io/is-default-class}{end}",
        ]) { !$0.isEmpty }
        #expect(classes == "local-path rancher.io/local-path WaitForFirstConsumer Delete true")
        let table = try await node.kubectlOK("get", "storageclass", "--no-headers")
        #expect(table.split(separator: " ", omittingEmptySubsequences: true).prefix(6)
            == ["local-path", "(default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", "false"], "\(table)")

        // A claim naming no class gets the default one and waits for a pod.
        try await node.kubectlOK("apply", "-f", "-", stdin: claimWithoutClass)
        #expect(try await node.kubectlOK("get", "pvc", "data", "-o", "jsonpath={.spec.storageClassName}") == "local-path")
        _ = try await node.waitFor("WaitForFirstConsumer", [
            "get", "events", "--field-selector", "involvedObject.name=data,reason=WaitForFirstConsumer", "-o", "jsonpath={.items[*].message}",
        ]) { $0.contains("waiting for first consumer") }
        #expect(try await node.kubectlOK("get", "pvc", "data", "-o", "jsonpath={.status.phase}") == "Pending")
        #expect(try await node.kubectlOK("get", "pv", "-o", "name") == "")

        // The first pod (not root: the volume is world-writable) binds it and writes.
        try await node.kubectlOK("apply", "-f", "-", stdin: pod("writer", command: "echo persisted by $(id -u) > /data/file", user: 1000))
        try await node.waitForPhase("writer", "Succeeded", timeout: .seconds(90))
        let claim = try await node.kubectlOK("get", "pvc", "data", "-o", "jsonpath={.status.phase} {.spec.volumeName} {.metadata.uid} {.metadata.annotations.volume\\.kubernetes\\.io/selected-node}")
        let fields = claim.split(separator: " ").map(String.init)
        #expect(fields.count == 4 && fields[0] == "Bound" && fields[1] == "pvc-" + fields[2] && fields[3] == node.nodeName, "claim: \(claim)")
        let volumeName = fields.count > 1 ? fields[1] : ""
        let volume = try await node.kubectlOK("get", "pv", volumeName, "-o", "jsonpath={.status.phase} {.spec.hostPath.path} {.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]} {.spec.persistentVolumeReclaimPolicy}")
        let directory = node.dataDir + "/storage/\(volumeName)_default_data"
        #expect(volume == "Bound \(directory) \(node.nodeName) Delete")
        #expect((try? String(contentsOfFile: directory + "/file", encoding: .utf8)) == "persisted by 1000\n")
        #expect(mode(directory) == 0o777)
        #expect(mode(node.dataDir + "/storage") == 0o700)

        // The pod goes; a second pod reads what the first wrote.
        try await node.kubectlOK("delete", "pod", "writer")
        try await node.kubectlOK("apply", "-f", "-", stdin: pod("reader", command: "cat /data/file"))
        try await node.waitForPhase("reader", "Succeeded", timeout: .seconds(90))
        #expect(try await node.kubectlOK("logs", "reader") == "persisted by 1000\n")

        // Deleting the claim releases the volume; the node removes the directory, then the volume.
        try await node.kubectlOK("delete", "pod", "reader")
        try await node.kubectlOK("delete", "pvc", "data")
        _ = try await node.waitFor("the volume removed", ["get", "pv", "-o", "name"]) { $0.isEmpty }
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("--disable local-storage leaves no StorageClass, and a claim then has no class")
    func disabled() async throws {
        let node = try await RealNode.start(extraArguments: ["--disable", "local-storage"])
        defer { node.stop() }
        // The packaged components are reconciled in one pass, the ingress Service last.
        _ = try await node.waitFor("packaged components", ["get", "service", "-n", "kube-system", "k3s-ingress", "-o", "name"]) { !$0.isEmpty }
        #expect(try await node.kubectlOK("get", "storageclass", "-o", "name") == "")
        try await node.kubectlOK("apply", "-f", "-", stdin: claimWithoutClass)
        #expect(try await node.kubectlOK("get", "pvc", "data", "-o", "jsonpath={.spec.storageClassName}") == "")
    }
}
