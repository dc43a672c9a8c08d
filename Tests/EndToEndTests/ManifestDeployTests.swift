import ClusterTesting
import Foundation
import Testing

/// The files of `DATA_DIR/server/manifests` are applied by a real `k3s server`, tracked by
/// `Addon` objects and re-applied when they change, as K3s's deploy controller does.
@Suite("Auto-deploying manifests", .enabled(if: K3sServerProcess.kubectlAvailable))
struct ManifestDeployTests {
    static let application = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: deployed
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: deployed
        data:
          mode: MODE
        ---
        # No namespace: it goes to kube-system, the Addon's.
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: defaulted
        data:
          from: app
        """

    static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func sha256(_ path: String) async throws -> String {
        let result = try await run("/usr/bin/sha256sum", [path])
        return String(result.stdout.prefix(64))
    }

    @Test("add, change, .skip, a broken file, remove: each Addon tracks its file")
    func manifestsAreDeployed() async throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("k3s-e2e-\(UUID().uuidString.prefix(8))").path
        let manifests = dataDir + "/server/manifests"
        try Self.write(Self.application.replacingOccurrences(of: "MODE", with: "one"), to: manifests + "/app.yaml")
        try Self.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: skipped\n  namespace: default\n", to: manifests + "/skipped.yaml")
        try Self.write("", to: manifests + "/skipped.yaml.skip")
        try Self.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n", to: manifests + "/broken.yaml")
        try Self.write(
            #"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-json", "namespace": "deployed"}, "data": {"a": "b"}}"#,
            to: manifests + "/more/extra.json")
        try Self.write("not a manifest", to: manifests + "/README.txt")
        let server = try await K3sServerProcess.start(dataDir: dataDir)
        defer { server.stop() }

        func value(_ arguments: String...) async throws -> String? {
            let result = try await server.kubectl(arguments)
            return result.status == 0 ? result.stdout : nil
        }
        try await eventually("app.yaml applied", timeout: .seconds(30), interval: .milliseconds(200)) {
            try await value("get", "configmap", "settings", "-n", "deployed", "-o", "jsonpath={.data.mode}") == "one"
        }
        #expect(try await value("get", "configmap", "defaulted", "-n", "kube-system", "-o", "jsonpath={.data.from}") == "app")
        try await eventually("extra.json applied", timeout: .seconds(30), interval: .milliseconds(200)) {
            try await value("get", "configmap", "from-json", "-n", "deployed", "-o", "jsonpath={.data.a}") == "b"
        }
        // Server-side apply under the deploy controller's field manager.
        let managers = try await server.kubectlOK(
            "get", "configmap", "settings", "-n", "deployed", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[*].manager}")
        #expect(managers.contains("k3s-deploy"), "\(managers)")
        // The Addons: name from the file, source and checksum of what was applied.
        let appChecksum = try await Self.sha256(manifests + "/app.yaml")
        try await eventually("the app Addon records its checksum", timeout: .seconds(30), interval: .milliseconds(200)) {
            try await value("get", "addon", "app", "-n", "kube-system", "-o", "jsonpath={.spec.checksum}") == appChecksum
        }
        #expect(try await value("get", "addon", "app", "-n", "kube-system", "-o", "jsonpath={.spec.source}") == manifests + "/app.yaml")
        let table = try await server.kubectlOK("get", "addons", "-n", "kube-system")
        #expect(table.contains("SOURCE") && table.contains("CHECKSUM") && table.contains("extra"), "\(table)")
        // .skip keeps a file out; a file of another kind is not read.
        #expect(try await value("get", "configmap", "skipped", "-n", "default") == nil)
        #expect(try await value("get", "addon", "skipped", "-n", "kube-system") == nil)
        #expect(try await value("get", "addon", "README", "-n", "kube-system") == nil)
        // The broken file: a Warning on its Addon, and nothing else held back.
        try await eventually("an ApplyManifestFailed event", timeout: .seconds(30), interval: .milliseconds(200)) {
            let reasons = try await value(
                "get", "events", "-n", "kube-system", "--field-selector", "involvedObject.name=broken", "-o", "jsonpath={.items[*].reason}")
            return reasons?.contains("ApplyManifestFailed") == true
        }
        let message = try await server.kubectlOK(
            "get", "events", "-n", "kube-system", "--field-selector", "involvedObject.name=broken,reason=ApplyManifestFailed",
            "-o", "jsonpath={.items[0].message}")
        #expect(message.contains("broken.yaml") && message.contains("line "), "\(message)")

        // A change is applied again and the checksum follows.
        try Self.write(Self.application.replacingOccurrences(of: "MODE", with: "two"), to: manifests + "/app.yaml")
        let changed = try await Self.sha256(manifests + "/app.yaml")
        try await eventually("the change applied", timeout: .seconds(30), interval: .milliseconds(200)) {
            try await value("get", "configmap", "settings", "-n", "deployed", "-o", "jsonpath={.data.mode}") == "two"
        }
        try await eventually("the new checksum recorded", timeout: .seconds(30), interval: .milliseconds(200)) {
            try await value("get", "addon", "app", "-n", "kube-system", "-o", "jsonpath={.spec.checksum}") == changed
        }
        // Fixing the broken file applies it; removing .skip applies the skipped one.
        try Self.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: repaired\n  namespace: default\n", to: manifests + "/broken.yaml")
        try FileManager.default.removeItem(atPath: manifests + "/skipped.yaml.skip")
        try await eventually("the repaired and unskipped files applied", timeout: .seconds(30), interval: .milliseconds(200)) {
            let repaired = try await value("get", "configmap", "repaired", "-n", "default")
            let unskipped = try await value("get", "configmap", "skipped", "-n", "default")
            return repaired != nil && unskipped != nil
        }
        // Removing a file removes its Addon; its objects stay (K3s's documented behaviour).
        try FileManager.default.removeItem(atPath: manifests + "/app.yaml")
        try await eventually("the app Addon deleted", timeout: .seconds(30), interval: .milliseconds(200)) {
            try await value("get", "addon", "app", "-n", "kube-system") == nil
        }
        #expect(try await value("get", "configmap", "settings", "-n", "deployed", "-o", "jsonpath={.data.mode}") == "two")
    }
}
