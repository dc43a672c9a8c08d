import Foundation
import Testing

/// The official Python client (`pip install kubernetes`) against the real `k3s` binary, with
/// the kubeconfig the server wrote: list, create, watch, patch, and a 404 it can read.
/// Whether python3 with the `kubernetes` package is installed.
let pythonClientAvailable: Bool = {
    guard let python = K3sServerProcess.python else { return false }
    return (try? runBlocking(python, ["-c", "import kubernetes"]))?.status == 0
}()

@Suite(.enabled(if: pythonClientAvailable, "needs python3 with the kubernetes package"))
struct PythonClientTests {
    static let script = #"""
        import json, sys, threading
        from kubernetes import client, config, watch

        config.load_kube_config(config_file=sys.argv[1])
        core = client.CoreV1Api()
        print("namespaces:", ",".join(sorted(n.metadata.name for n in core.list_namespace().items)))

        start = core.list_namespaced_config_map("default").metadata.resource_version
        seen = []
        def follow():
            w = watch.Watch()
            for event in w.stream(core.list_namespaced_config_map, namespace="default",
                                  resource_version=start, timeout_seconds=30):
                seen.append(event["type"] + " " + event["object"].metadata.name)
                if event["object"].metadata.name == "py-settings":
                    w.stop()
        watcher = threading.Thread(target=follow)
        watcher.start()

        body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-settings", labels={"from": "python"}),
                                  data={"mode": "fast"})
        created = core.create_namespaced_config_map("default", body)
        print("created:", created.metadata.name, created.metadata.uid != "", int(created.metadata.resource_version) > 0)
        watcher.join(40)
        print("watched:", ",".join(seen))

        patched = core.patch_namespaced_config_map("py-settings", "default", {"data": {"level": "3"}})
        print("patched:", json.dumps(patched.data, sort_keys=True))
        selected = core.list_namespaced_config_map("default", label_selector="from=python").items
        print("selected:", [c.metadata.name for c in selected])

        try:
            core.read_namespaced_config_map("absent", "default")
        except client.exceptions.ApiException as error:
            print("absent:", error.status, json.loads(error.body)["reason"])

        apps = client.AppsV1Api()
        print("deployments:", len(apps.list_deployment_for_all_namespaces().items))
        """#

    @Test func listCreateWatchPatch() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let python = try #require(K3sServerProcess.python)
        let result = try await run(python, ["-c", Self.script, server.kubeconfig])
        #expect(result.status == 0, "python client failed:\n\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("namespaces: default,kube-node-lease,kube-public,kube-system"), "\(result.stdout)")
        #expect(lines.contains("created: py-settings True True"), "\(result.stdout)")
        #expect(lines.contains("watched: ADDED py-settings"), "\(result.stdout)")
        #expect(lines.contains(#"patched: {"level": "3", "mode": "fast"}"#), "\(result.stdout)")
        #expect(lines.contains("selected: ['py-settings']"), "\(result.stdout)")
        #expect(lines.contains("absent: 404 NotFound"), "\(result.stdout)")
        #expect(lines.contains("deployments: 0"), "\(result.stdout)")
    }
}
