import Foundation
import Testing

/// Whether python3 with the `kubernetes` package is installed.
let pythonClientAvailable: Bool = {
    guard let python = K3sServerProcess.python else { return false }
    return (try? runBlocking(python, ["-c", "import kubernetes"]))?.status == 0
}()

/// The official Python client (`pip install kubernetes`) against the real `k3s` binary, with
/// the kubeconfig the server wrote: list, create, watch, patch, and a 404 it can read; every
/// built-in kind created, read and listed through the client's validating models; metadata-only
/// reads; `/version`.
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

    /// Creates, reads and lists one object of every built-in kind the client has methods for
    /// (the models validate required fields, so a response missing one fails), then reads
    /// metadata only. Prints `ok KIND`, `skip KIND (why)` or `FAIL KIND: error` per kind.
    static let kindsScript = #"""
        import json, sys
        from kubernetes import client, config

        config.load_kube_config(config_file=sys.argv[1])
        ns = "py-kinds"
        container = {"name": "c", "image": "busybox"}
        def template(labels):
            return {"metadata": {"labels": labels}, "spec": {"containers": [container]}}
        def selector(labels):
            return {"matchLabels": labels}
        target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "k-deploy"}
        csr = ("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIUE1IWUNBUUF3RkRFU01CQUdBMVVFQXd3SmNIa3RZMnhwWlc1ME1Ga3dFd1lIS29aSXpqMENBUVlJS29aSQp6ajBEQVFjRFFnQUUxTXlqbEEyYTR5VDFHcjU5eXFMT25PVWtqTDJkMkIwTFZWVGUxbVV0bWpVT0ZFa3orUHlXCksveEtJRDdibjZmZGQzbnhUZXVRSi94MGhBS1ZZbHVaSzZBQU1Bb0dDQ3FHU000OUJBTUNBMGtBTUVZQ0lRRFkKQXl4VGlJMUoxTXB5SFlSZW5LZWo1UWt6aU5saFRadkJSc1BhU3U1VWtRSWhBT29hWU95WktzSTBxNTI0VzVoMQpVREtseUpnaEpoYzVXU3dKR1c5NmFZWTkKLS0tLS1FTkQgQ0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCg==")
        rules = [{"operations": ["CREATE"], "apiGroups": ["example.com"], "apiVersions": ["v1"], "resources": ["widgets"]}]
        webhook = {"clientConfig": {"url": "https://example.com/hook"}, "admissionReviewVersions": ["v1"],
                   "sideEffects": "None", "failurePolicy": "Ignore", "rules": rules}
        claim = {"devices": {"requests": [{"name": "r", "exactly": {"deviceClassName": "py-dc"}}]}}

        # (API class, kind in the client's method names, namespaced, body); order matters where
        # one object names another.
        kinds = [
            ("CoreV1Api", "namespace", False, {"metadata": {"name": ns}}),
            ("CoreV1Api", "config_map", True, {"metadata": {"name": "k-cm"}, "data": {"a": "b"}}),
            ("CoreV1Api", "endpoints", True, {"metadata": {"name": "k-ep"},
                "subsets": [{"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 80}]}]}),
            ("CoreV1Api", "event", True, {"metadata": {"name": "k-ev"}, "reason": "Test", "message": "hello",
                "type": "Normal", "involvedObject": {"kind": "Pod", "name": "k-pod", "namespace": ns}}),
            ("CoreV1Api", "limit_range", True, {"metadata": {"name": "k-lr"},
                "spec": {"limits": [{"type": "Container", "default": {"cpu": "100m"}}]}}),
            ("CoreV1Api", "node", False, {"metadata": {"name": "py-node"}}),
            ("CoreV1Api", "persistent_volume", False, {"metadata": {"name": "py-pv"}, "spec": {
                "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/tmp/py-pv"}}}),
            ("CoreV1Api", "persistent_volume_claim", True, {"metadata": {"name": "k-pvc"}, "spec": {
                "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}),
            ("CoreV1Api", "pod", True, {"metadata": {"name": "k-pod"}, "spec": {"containers": [container]}}),
            ("CoreV1Api", "pod_template", True, {"metadata": {"name": "k-pt"}, "template": template({"app": "pt"})}),
            ("CoreV1Api", "replication_controller", True, {"metadata": {"name": "k-rc"}, "spec": {
                "replicas": 0, "selector": {"app": "rc"}, "template": template({"app": "rc"})}}),
            ("CoreV1Api", "resource_quota", True, {"metadata": {"name": "k-rq"}, "spec": {"hard": {"pods": "10"}}}),
            ("CoreV1Api", "secret", True, {"metadata": {"name": "k-secret"}, "stringData": {"a": "b"}}),
            ("CoreV1Api", "service_account", True, {"metadata": {"name": "k-sa"}}),
            ("CoreV1Api", "service", True, {"metadata": {"name": "k-svc"},
                "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}}),
            ("AppsV1Api", "controller_revision", True, {"metadata": {"name": "k-cr"}, "data": {"a": 1}, "revision": 1}),
            # No node matches: the DaemonSet's counters stay at zero (and must still be written).
            ("AppsV1Api", "daemon_set", True, {"metadata": {"name": "k-ds"}, "spec": {
                "selector": selector({"app": "ds"}), "template": dict(template({"app": "ds"}),
                spec={"nodeSelector": {"py-none": "none"}, "containers": [container]})}}),
            ("AppsV1Api", "deployment", True, {"metadata": {"name": "k-deploy"}, "spec": {
                "replicas": 0, "selector": selector({"app": "deploy"}), "template": template({"app": "deploy"})}}),
            ("AppsV1Api", "replica_set", True, {"metadata": {"name": "k-rs"}, "spec": {
                "replicas": 0, "selector": selector({"app": "rs"}), "template": template({"app": "rs"})}}),
            ("AppsV1Api", "stateful_set", True, {"metadata": {"name": "k-sts"}, "spec": {"serviceName": "k-svc",
                "replicas": 0, "selector": selector({"app": "sts"}), "template": template({"app": "sts"})}}),
            ("AutoscalingV1Api", "horizontal_pod_autoscaler", True, {"metadata": {"name": "k-hpa1"}, "spec": {
                "scaleTargetRef": target, "minReplicas": 1, "maxReplicas": 3, "targetCPUUtilizationPercentage": 50}}),
            ("AutoscalingV2Api", "horizontal_pod_autoscaler", True, {"metadata": {"name": "k-hpa2"}, "spec": {
                "scaleTargetRef": target, "minReplicas": 1, "maxReplicas": 3, "metrics": [{"type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}}),
            ("BatchV1Api", "job", True, {"metadata": {"name": "k-job"}, "spec": {
                "template": {"spec": {"restartPolicy": "Never", "containers": [container]}}}}),
            ("BatchV1Api", "cron_job", True, {"metadata": {"name": "k-cj"}, "spec": {"schedule": "*/5 * * * *",
                "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [container]}}}}}}),
            ("CertificatesV1Api", "certificate_signing_request", False, {"metadata": {"name": "py-csr"}, "spec": {
                "request": csr, "signerName": "example.com/signer", "usages": ["digital signature"]}}),
            ("CoordinationV1Api", "lease", True, {"metadata": {"name": "k-lease"},
                "spec": {"holderIdentity": "me", "leaseDurationSeconds": 10}}),
            ("DiscoveryV1Api", "endpoint_slice", True, {"metadata": {"name": "k-eps"}, "addressType": "IPv4",
                "endpoints": [{"addresses": ["10.1.2.3"]}], "ports": [{"port": 80}]}),
            ("EventsV1Api", "event", True, {"metadata": {"name": "k-ev2"}, "eventTime": "2026-01-01T00:00:00.000000Z",
                "reportingController": "example.com/c", "reportingInstance": "i", "action": "Test", "reason": "Test",
                "type": "Normal", "note": "hi", "regarding": {"kind": "Pod", "name": "k-pod", "namespace": ns}}),
            ("FlowcontrolApiserverV1Api", "priority_level_configuration", False, {"metadata": {"name": "py-plc"}, "spec": {
                "type": "Limited", "limited": {"nominalConcurrencyShares": 5, "limitResponse": {"type": "Reject"}}}}),
            ("FlowcontrolApiserverV1Api", "flow_schema", False, {"metadata": {"name": "py-fs"}, "spec": {
                "priorityLevelConfiguration": {"name": "py-plc"}, "matchingPrecedence": 5000,
                "rules": [{"subjects": [{"kind": "Group", "group": {"name": "system:authenticated"}}],
                           "resourceRules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "namespaces": ["*"]}]}]}}),
            ("NetworkingV1Api", "ingress_class", False, {"metadata": {"name": "py-ic"}, "spec": {"controller": "example.com/ingress"}}),
            ("NetworkingV1Api", "ingress", True, {"metadata": {"name": "k-ing"}, "spec": {
                "defaultBackend": {"service": {"name": "k-svc", "port": {"number": 80}}}}}),
            ("NetworkingV1Api", "network_policy", True, {"metadata": {"name": "k-np"},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
            ("NetworkingV1Api", "service_cidr", False, {"metadata": {"name": "py-cidr"}, "spec": {"cidrs": ["10.200.0.0/24"]}}),
            ("NetworkingV1Api", "ip_address", False, {"metadata": {"name": "10.200.0.10"}, "spec": {
                "parentRef": {"group": "", "resource": "services", "name": "k-svc", "namespace": ns}}}),
            ("NodeV1Api", "runtime_class", False, {"metadata": {"name": "py-runtime"}, "handler": "runc"}),
            ("PolicyV1Api", "pod_disruption_budget", True, {"metadata": {"name": "k-pdb"},
                "spec": {"minAvailable": 1, "selector": selector({"app": "x"})}}),
            ("RbacAuthorizationV1Api", "cluster_role", False, {"metadata": {"name": "py-cr"},
                "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
            ("RbacAuthorizationV1Api", "cluster_role_binding", False, {"metadata": {"name": "py-crb"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "py-cr"},
                "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]}),
            ("RbacAuthorizationV1Api", "role", True, {"metadata": {"name": "k-role"},
                "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}),
            ("RbacAuthorizationV1Api", "role_binding", True, {"metadata": {"name": "k-rb"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "k-role"},
                "subjects": [{"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"}]}),
            ("ResourceV1Api", "device_class", False, {"metadata": {"name": "py-dc"},
                "spec": {"selectors": [{"cel": {"expression": "true"}}]}}),
            ("ResourceV1Api", "resource_claim", True, {"metadata": {"name": "k-claim"}, "spec": claim}),
            ("ResourceV1Api", "resource_claim_template", True, {"metadata": {"name": "k-rct"}, "spec": {"spec": claim}}),
            ("ResourceV1Api", "resource_slice", False, {"metadata": {"name": "py-slice"}, "spec": {"driver": "example.com",
                "pool": {"name": "p", "generation": 1, "resourceSliceCount": 1}, "nodeName": "py-node", "devices": [{"name": "d0"}]}}),
            ("SchedulingV1Api", "priority_class", False, {"metadata": {"name": "py-pc"}, "value": 1000}),
            ("StorageV1Api", "storage_class", False, {"metadata": {"name": "py-sc"}, "provisioner": "example.com/p"}),
            ("StorageV1Api", "csi_driver", False, {"metadata": {"name": "py.csi.example.com"}, "spec": {"attachRequired": True}}),
            ("StorageV1Api", "csi_node", False, {"metadata": {"name": "py-node"},
                "spec": {"drivers": [{"name": "py.csi.example.com", "nodeID": "n1"}]}}),
            ("StorageV1Api", "csi_storage_capacity", True, {"metadata": {"name": "k-csc"}, "storageClassName": "py-sc", "capacity": "1Gi"}),
            ("StorageV1Api", "volume_attachment", False, {"metadata": {"name": "py-va"}, "spec": {
                "attacher": "py.csi.example.com", "nodeName": "py-node", "source": {"persistentVolumeName": "py-pv"}}}),
            ("StorageV1Api", "volume_attributes_class", False, {"metadata": {"name": "py-vac"},
                "driverName": "py.csi.example.com", "parameters": {"a": "b"}}),
            ("AdmissionregistrationV1Api", "validating_webhook_configuration", False, {"metadata": {"name": "py-vwc"},
                "webhooks": [dict(webhook, name="v.example.com")]}),
            ("AdmissionregistrationV1Api", "mutating_webhook_configuration", False, {"metadata": {"name": "py-mwc"},
                "webhooks": [dict(webhook, name="m.example.com")]}),
            ("AdmissionregistrationV1Api", "validating_admission_policy", False, {"metadata": {"name": "py-vap"}, "spec": {
                "matchConstraints": {"resourceRules": rules}, "validations": [{"expression": "true"}]}}),
            ("AdmissionregistrationV1Api", "validating_admission_policy_binding", False, {"metadata": {"name": "py-vapb"},
                "spec": {"policyName": "py-vap", "validationActions": ["Deny"]}}),
            ("AdmissionregistrationV1Api", "mutating_admission_policy", False, {"metadata": {"name": "py-map"}, "spec": {
                "matchConstraints": {"resourceRules": rules}, "reinvocationPolicy": "Never",
                "mutations": [{"patchType": "ApplyConfiguration", "applyConfiguration": {"expression": "Object{}"}}]}}),
            ("AdmissionregistrationV1Api", "mutating_admission_policy_binding", False, {"metadata": {"name": "py-mapb"},
                "spec": {"policyName": "py-map"}}),
            ("ApiextensionsV1Api", "custom_resource_definition", False, {"metadata": {"name": "widgets.example.com"}, "spec": {
                "group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                "versions": [{"name": "v1", "served": True, "storage": True,
                              "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}}),
            ("ApiregistrationV1Api", "api_service", False, {"metadata": {"name": "v1.py.example.com"}, "spec": {
                "group": "py.example.com", "version": "v1", "groupPriorityMinimum": 100, "versionPriority": 10}}),
        ]

        for api_name, kind, namespaced, body in kinds:
            label = api_name + "." + kind
            api_class = getattr(client, api_name, None)
            infix = "_namespaced_" if namespaced else "_"
            if api_class is None or not hasattr(api_class, "create" + infix + kind):
                print("skip", label, "(not in this client)")
                continue
            api = api_class()
            name = body["metadata"]["name"]
            scope = [ns] if namespaced else []
            try:
                created = getattr(api, "create" + infix + kind)(*scope, body)
                read = getattr(api, "read" + infix + kind)(name, *scope)
                listed = getattr(api, "list" + infix + kind)(*scope)
                names = [item.metadata.name for item in listed.items]
                assert created.metadata.name == name and read.metadata.name == name, "names differ"
                assert name in names, name + " not listed"
                print("ok", label)
            except Exception as error:
                print("FAIL", label + ":", str(error).replace("\n", " ")[:400])

        ds = client.AppsV1Api().read_namespaced_daemon_set("k-ds", ns)
        print("daemonset status:", ds.status.current_number_scheduled, ds.status.desired_number_scheduled,
              ds.status.number_misscheduled, ds.status.number_ready)
        rc = client.CoreV1Api().read_namespaced_replication_controller("k-rc", ns)
        print("rc status:", rc.status.replicas)

        # Metadata-only reads, the way metadata informers ask (the client has no
        # PartialObjectMetadata model: each metadata is read into its validating V1ObjectMeta).
        core, apps = client.CoreV1Api(), client.AppsV1Api()
        def model(value, name):
            return core.api_client.deserialize(json.dumps(value), name, "application/json")
        def metadata_only(call, accept, *args):
            raw = call(*args, _preload_content=False, _headers={"Accept": accept})
            return json.loads(raw.data)
        metadata_list = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
        listed = metadata_only(core.list_namespaced_config_map, metadata_list + ",application/json", ns)
        names = [model(item["metadata"], "V1ObjectMeta").name for item in listed["items"]]
        print("metadata list:", listed["kind"], listed["apiVersion"], names,
              int(model(listed["metadata"], "V1ListMeta").resource_version) > 0)
        document = metadata_only(apps.list_namespaced_deployment, metadata_list, ns)
        print("raw metadata list:", document["kind"], [sorted(item.keys()) for item in document["items"]])
        one = metadata_only(core.read_namespaced_config_map,
                            "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", "k-cm", ns)
        print("metadata object:", one["kind"], model(one["metadata"], "V1ObjectMeta").name)

        version = client.VersionApi().get_code()
        print("version:", json.dumps([version.git_commit, version.git_tree_state, version.build_date]))
        """#

    @Test func everyBuiltinKind() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let python = try #require(K3sServerProcess.python)
        let result = try await run(python, ["-c", Self.kindsScript, server.kubeconfig])
        #expect(result.status == 0, "python client failed:\n\(result.stderr)\n\(result.stdout)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let failures = lines.filter { $0.hasPrefix("FAIL") }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        let created = lines.filter { $0.hasPrefix("ok ") }
        // Every kind listed in the script, less those an older client lacks.
        #expect(created.count + lines.filter { $0.hasPrefix("skip ") }.count == 60, "\(result.stdout)")
        #expect(created.count >= 50, "\(result.stdout)")
        #expect(lines.contains("daemonset status: 0 0 0 0"), "\(result.stdout)")
        #expect(lines.contains("rc status: 0"), "\(result.stdout)")
        #expect(lines.contains("metadata list: PartialObjectMetadataList meta.k8s.io/v1 ['k-cm', 'kube-root-ca.crt'] True")
                    || lines.contains("metadata list: PartialObjectMetadataList meta.k8s.io/v1 ['k-cm'] True"), "\(result.stdout)")
        #expect(lines.contains("raw metadata list: PartialObjectMetadataList [['apiVersion', 'kind', 'metadata']]"), "\(result.stdout)")
        #expect(lines.contains("metadata object: PartialObjectMetadata k-cm"), "\(result.stdout)")
        // The server reports the commit it was built from (the build stamp).
        let version = try #require(lines.first { $0.hasPrefix("version: ") }, "\(result.stdout)")
        let fields = try #require(
            try JSONSerialization.jsonObject(with: Data(version.dropFirst("version: ".count).utf8)) as? [String])
        try #require(fields.count == 3, "\(version)")
        #expect(fields[2].count == 20 && fields[2].hasSuffix("Z"), "build date \(fields[2])")
        #expect(fields[0].isEmpty || (fields[0].count == 40 && fields[0].allSatisfy(\.isHexDigit)), "commit \(fields[0])")
        if let commit = sourceCheckoutCommit {
            // Built in a git checkout: the stamp names its commit.
            #expect(fields[0] == commit, "\(version)")
            #expect(["clean", "dirty"].contains(fields[1]), "\(version)")
        }
    }
}
