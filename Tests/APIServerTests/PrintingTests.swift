import KubeAPI
import Testing
@testable import APIServer

@Suite struct PrintingTests {
    /// 2024-05-01T12:00:00Z.
    static let now = 1_714_564_800.0
    let printer = TablePrinter(now: { PrintingTests.now })

    static func descriptor(_ group: String, _ resource: String) throws -> ResourceDescriptor {
        try #require(ResourceDescriptor.builtin.first { $0.group == group && $0.resource == resource })
    }

    func cells(_ group: String, _ resource: String, _ object: JSONValue) throws -> [JSONValue] {
        let table = printer.table(for: [object], descriptor: try Self.descriptor(group, resource))
        return try #require(table["rows"]?[0]?["cells"]?.arrayValue)
    }

    func columns(_ group: String, _ resource: String) throws -> [String] {
        let table = printer.table(for: [], descriptor: try Self.descriptor(group, resource))
        return (table["columnDefinitions"]?.arrayValue ?? []).map { column in
            let name = column["name"]?.stringValue ?? ""
            return column["priority"] == 1 ? name + "*" : name
        }
    }

    @Test(arguments: [
        (-5.0, "<invalid>"), (-0.5, "0s"), (0, "0s"), (5, "5s"), (119, "119s"), (120, "2m"), (200, "3m20s"), (599, "9m59s"),
        (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 60 * 5, "3h5m"), (8 * 3600, "8h"), (47 * 3600, "47h"),
        (48 * 3600, "2d"), (50 * 3600, "2d2h"), (8 * 86400, "8d"), (729 * 86400, "729d"), (730 * 86400, "2y"),
        (731 * 86400, "2y1d"), (8 * 365 * 86400, "8y"), (20 * 365 * 86400, "20y"),
    ] as [(Double, String)])
    func humanDurations(seconds: Double, text: String) {
        #expect(HumanDuration.format(seconds: seconds) == text)
    }

    @Test(arguments: [
        ("2024-05-01T12:00:00Z", 1_714_564_800.0), ("1970-01-01T00:00:00Z", 0), ("2024-05-01T14:00:00+02:00", 1_714_564_800),
        ("2024-05-01T12:00:00.5Z", 1_714_564_800.5), ("2000-02-29T00:00:00Z", 951_782_400),
    ] as [(String, Double)])
    func timestamps(text: String, seconds: Double) {
        #expect(RFC3339.seconds(text) == seconds)
    }

    @Test(arguments: ["", "yesterday", "2024-13-01T00:00:00Z", "2024-05-01T12:00:00", "2024-05-01T12:00:00Zjunk", "2024-05-01T12:00:00.Z"])
    func badTimestampsAreRejected(text: String) {
        #expect(RFC3339.seconds(text) == nil)
    }

    @Test func storageClassesShowTheDefaultAndTheirPolicies() throws {
        #expect(try columns("storage.k8s.io", "storageclasses") == ["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"])
        let localPath: JSONValue = [
            "metadata": ["name": "local-path", "creationTimestamp": .string(Self.created),
                         "annotations": ["storageclass.kubernetes.io/is-default-class": "true"]],
            "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
        ]
        #expect(try cells("storage.k8s.io", "storageclasses", localPath)
            == ["local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", false, "5m"])
        let plain: JSONValue = ["metadata": ["name": "fast", "creationTimestamp": .string(Self.created)],
                                "provisioner": "example.com/ssd", "allowVolumeExpansion": true]
        #expect(try cells("storage.k8s.io", "storageclasses", plain) == ["fast", "example.com/ssd", "Delete", "Immediate", true, "5m"])
    }

    @Test func tableEnvelopeAndIncludeObject() throws {
        let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "a", "namespace": "default", "resourceVersion": "7"], "spec": [:]]
        let descriptor = try Self.descriptor("", "pods")
        let table = printer.table(for: [pod], descriptor: descriptor, listMeta: ["resourceVersion": "9", "continue": "abc"])
        #expect(table["kind"] == "Table")
        #expect(table["apiVersion"] == "meta.k8s.io/v1")
        #expect(table["metadata"] == ["resourceVersion": "9", "continue": "abc"])
        #expect(table["rows"]?[0]?["object"] == ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": pod["metadata"]!])
        #expect(printer.table(for: [pod], descriptor: descriptor, includeObject: "Object")["rows"]?[0]?["object"] == pod)
        #expect(printer.table(for: [pod], descriptor: descriptor, includeObject: "None")["rows"]?[0]?["object"] == nil)
        #expect(printer.table(for: [pod], descriptor: descriptor)["metadata"] == ["resourceVersion": "7"])
        let first = try #require(table["columnDefinitions"]?[0])
        #expect(first == ["name": "Name", "type": "string", "format": "name", "description": first["description"]!, "priority": 0])
    }

    @Test(arguments: [
        ("", "pods", ["Name", "Ready", "Status", "Restarts", "Age", "IP*", "Node*", "Nominated Node*", "Readiness Gates*"]),
        ("apps", "deployments", ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers*", "Images*", "Selector*"]),
        ("", "services", ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector*"]),
        ("", "configmaps", ["Name", "Data", "Age"]),
        ("", "secrets", ["Name", "Type", "Data", "Age"]),
        ("", "namespaces", ["Name", "Status", "Age"]),
        ("coordination.k8s.io", "leases", ["Name", "Holder", "Age"]),
        ("apiextensions.k8s.io", "customresourcedefinitions", ["Name", "Created At"]),
        ("rbac.authorization.k8s.io", "clusterroles", ["Name", "Created At"]),
        ("batch", "cronjobs", ["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers*", "Images*", "Selector*"]),
    ] as [(String, String, [String])])
    func columnSets(group: String, resource: String, expected: [String]) throws {
        #expect(try columns(group, resource) == expected)
    }

    static let created = "2024-05-01T11:55:00Z"

    /// A running pod with one restart two minutes ago.
    static let podCase0: (JSONValue, [JSONValue]) = ([
            "metadata": ["name": "web-1", "creationTimestamp": .string(created)],
            "spec": ["nodeName": "node-a", "containers": [["name": "a"], ["name": "b"]]],
            "status": [
                "phase": "Running", "podIP": "10.42.0.5", "podIPs": [["ip": "10.42.0.5"]],
                "containerStatuses": [
                    ["name": "a", "ready": true, "restartCount": 1, "state": ["running": [:]],
                     "lastState": ["terminated": ["exitCode": 1, "finishedAt": "2024-05-01T11:58:00Z"]]],
                    ["name": "b", "ready": false, "restartCount": 0, "state": ["waiting": ["reason": "CrashLoopBackOff"]]],
                ],
            ],
        ], ["web-1", "1/2", "CrashLoopBackOff", "1 (2m ago)", "5m", "10.42.0.5", "node-a", "<none>", "<none>"] as [JSONValue])
    /// A pending pod not yet scheduled.
    static let podCase1: (JSONValue, [JSONValue]) = (["metadata": ["name": "p", "creationTimestamp": .string(created)], "spec": ["containers": [["name": "a"]]], "status": ["phase": "Pending"]],
         ["p", "0/1", "Pending", "0", "5m", "<none>", "<none>", "<none>", "<none>"])
    /// An init container still running.
    static let podCase2: (JSONValue, [JSONValue]) = (["metadata": ["name": "i", "creationTimestamp": .string(created)],
          "spec": ["initContainers": [["name": "init"]], "containers": [["name": "a"]], "readinessGates": [["conditionType": "x"]]],
          "status": ["phase": "Pending", "initContainerStatuses": [["name": "init", "state": ["running": [:]]]],
                     "containerStatuses": [["name": "a", "state": ["waiting": ["reason": "PodInitializing"]]]]]],
         ["i", "0/1", "Init:0/1", "0", "5m", "<none>", "<none>", "<none>", "0/1"])
    /// A completed pod.
    static let podCase3: (JSONValue, [JSONValue]) = (["metadata": ["name": "done", "creationTimestamp": .string(created)], "spec": ["containers": [["name": "a"]]],
          "status": ["phase": "Succeeded", "containerStatuses": [["name": "a", "state": ["terminated": ["exitCode": 0, "reason": "Completed"]]]]]],
         ["done", "0/1", "Completed", "0", "5m", "<none>", "<none>", "<none>", "<none>"])
    /// A pod being deleted.
    static let podCase4: (JSONValue, [JSONValue]) = (["metadata": ["name": "bye", "creationTimestamp": .string(created), "deletionTimestamp": "2024-05-01T12:00:00Z"],
          "spec": ["containers": [["name": "a"]]],
          "status": ["phase": "Running", "containerStatuses": [["name": "a", "ready": true, "state": ["running": [:]]]]]],
         ["bye", "1/1", "Terminating", "0", "5m", "<none>", "<none>", "<none>", "<none>"])

    @Test(arguments: [podCase0, podCase1, podCase2, podCase3, podCase4])
    func podCells(pod: JSONValue, expected: [JSONValue]) throws {
        #expect(try cells("", "pods", pod) == expected)
    }

    @Test func workloadCells() throws {
        let template: JSONValue = ["spec": ["containers": [["name": "web", "image": "nginx:1"], ["name": "log", "image": "busybox"]]]]
        let deployment: JSONValue = [
            "metadata": ["name": "web", "creationTimestamp": "2024-04-29T12:00:00Z"],
            "spec": ["replicas": 3, "selector": ["matchLabels": ["app": "web"], "matchExpressions": [["key": "tier", "operator": "In", "values": ["a", "b"]]]], "template": template],
            "status": ["readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2],
        ]
        #expect(try cells("apps", "deployments", deployment) == ["web", "2/3", 3, 2, "2d", "web,log", "nginx:1,busybox", "app=web,tier in (a,b)"])

        let job: JSONValue = [
            "metadata": ["name": "pi", "creationTimestamp": .string(Self.created)],
            "spec": ["completions": 1, "template": template, "selector": ["matchLabels": ["batch.kubernetes.io/controller-uid": "u"]]],
            "status": ["succeeded": 1, "startTime": "2024-05-01T11:55:00Z", "completionTime": "2024-05-01T11:55:42Z",
                       "conditions": [["type": "Complete", "status": "True"]]],
        ]
        #expect(try cells("batch", "jobs", job) == ["pi", "Complete", "1/1", "42s", "5m", "web,log", "nginx:1,busybox", "batch.kubernetes.io/controller-uid=u"])

        let cronJob: JSONValue = [
            "metadata": ["name": "tick", "creationTimestamp": .string(Self.created)],
            "spec": ["schedule": "*/1 * * * *", "suspend": false, "jobTemplate": ["spec": ["template": template]]],
            "status": ["lastScheduleTime": "2024-05-01T11:59:00Z", "active": [["name": "tick-1"]]],
        ]
        #expect(try cells("batch", "cronjobs", cronJob) == ["tick", "*/1 * * * *", "<none>", "False", 1, "60s", "5m", "web,log", "nginx:1,busybox", "<none>"])

        let daemonSet: JSONValue = [
            "metadata": ["name": "agent", "creationTimestamp": .string(Self.created)],
            "spec": ["selector": ["matchLabels": ["app": "agent"]], "template": ["spec": ["nodeSelector": ["kubernetes.io/os": "linux"], "containers": [["name": "a", "image": "i"]]]]],
            "status": ["desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 1, "updatedNumberScheduled": 2, "numberAvailable": 1],
        ]
        #expect(try cells("apps", "daemonsets", daemonSet) == ["agent", 2, 2, 1, 2, 1, "kubernetes.io/os=linux", "5m", "a", "i", "app=agent"])
        let statefulSet: JSONValue = ["metadata": ["name": "db", "creationTimestamp": .string(Self.created)], "spec": ["template": template], "status": [:]]
        #expect(try cells("apps", "statefulsets", statefulSet) == ["db", "0/1", "5m", "web,log", "nginx:1,busybox"])
    }

    static let serviceCase0: (JSONValue, [JSONValue]) = (["metadata": ["name": "kubernetes", "creationTimestamp": .string(created)],
          "spec": ["type": "ClusterIP", "clusterIP": "10.43.0.1", "ports": [["port": 443, "protocol": "TCP"]]]],
         ["kubernetes", "ClusterIP", "10.43.0.1", "<none>", "443/TCP", "5m", "<none>"] as [JSONValue])
    static let serviceCase1: (JSONValue, [JSONValue]) = (["metadata": ["name": "np", "creationTimestamp": .string(created)],
          "spec": ["type": "NodePort", "clusterIP": "10.43.5.5", "selector": ["app": "web"],
                   "ports": [["port": 80, "nodePort": 30080, "protocol": "TCP"], ["port": 53, "protocol": "UDP"]]]],
         ["np", "NodePort", "10.43.5.5", "<none>", "80:30080/TCP,53/UDP", "5m", "app=web"])
    static let serviceCase2: (JSONValue, [JSONValue]) = (["metadata": ["name": "lb", "creationTimestamp": .string(created)], "spec": ["type": "LoadBalancer", "clusterIP": "10.43.9.9", "ports": [["port": 80, "nodePort": 31000, "protocol": "TCP"]]]],
         ["lb", "LoadBalancer", "10.43.9.9", "<pending>", "80:31000/TCP", "5m", "<none>"])
    static let serviceCase3: (JSONValue, [JSONValue]) = (["metadata": ["name": "ext", "creationTimestamp": .string(created)], "spec": ["type": "ExternalName", "externalName": "example.com"]],
         ["ext", "ExternalName", "<none>", "example.com", "<none>", "5m", "<none>"])

    @Test(arguments: [serviceCase0, serviceCase1, serviceCase2, serviceCase3])
    func serviceCells(service: JSONValue, expected: [JSONValue]) throws {
        #expect(try cells("", "services", service) == expected)
    }

    @Test func clusterKindCells() throws {
        let node: JSONValue = [
            "metadata": ["name": "n1", "creationTimestamp": .string(Self.created), "labels": ["node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true"]],
            "spec": ["unschedulable": true],
            "status": ["conditions": [["type": "Ready", "status": "True"]], "addresses": [["type": "InternalIP", "address": "192.168.1.2"]],
                       "nodeInfo": ["kubeletVersion": "v1.36.2", "osImage": "Debian", "kernelVersion": "6.1", "containerRuntimeVersion": "containerd://2.0"]],
        ]
        #expect(try cells("", "nodes", node) == ["n1", "Ready,SchedulingDisabled", "control-plane,master", "5m", "v1.36.2", "192.168.1.2", "<none>", "Debian", "6.1", "containerd://2.0"])
        #expect(try cells("", "configmaps", ["metadata": ["name": "c", "creationTimestamp": .string(Self.created)], "data": ["a": "1", "b": "2"], "binaryData": ["c": ""]]) == ["c", 3, "5m"])
        #expect(try cells("", "secrets", ["metadata": ["name": "s", "creationTimestamp": .string(Self.created)], "type": "kubernetes.io/tls", "data": ["tls.crt": "", "tls.key": ""]]) == ["s", "kubernetes.io/tls", 2, "5m"])
        #expect(try cells("", "namespaces", ["metadata": ["name": "default", "creationTimestamp": .string(Self.created)], "status": ["phase": "Active"]]) == ["default", "Active", "5m"])
        #expect(try cells("", "serviceaccounts", ["metadata": ["name": "default", "creationTimestamp": .string(Self.created)]]) == ["default", 0, "5m"])
        let endpoints: JSONValue = ["metadata": ["name": "e", "creationTimestamp": .string(Self.created)], "subsets": [[
            "addresses": [["ip": "10.42.0.1"], ["ip": "10.42.0.2"], ["ip": "fd00::1"]], "ports": [["port": 80], ["port": 443]],
        ]]]
        #expect(try cells("", "endpoints", endpoints) == ["e", "10.42.0.1:80,10.42.0.2:80,[fd00::1]:80 + 3 more...", "5m"])
        #expect(try cells("", "endpoints", ["metadata": ["name": "none"]]) == ["none", "<none>", "<unknown>"])
        let ingress: JSONValue = ["metadata": ["name": "i", "creationTimestamp": .string(Self.created)],
                                  "spec": ["ingressClassName": "traefik", "rules": [["host": "a.example.com"], [:]], "tls": [[:]]],
                                  "status": ["loadBalancer": ["ingress": [["ip": "192.168.1.2"]]]]]
        #expect(try cells("networking.k8s.io", "ingresses", ingress) == ["i", "traefik", "a.example.com", "192.168.1.2", "80, 443", "5m"])
        let ingressClass: JSONValue = ["metadata": ["name": "k3s", "creationTimestamp": .string(Self.created)], "spec": ["controller": "k3s.io/ingress-proxy"]]
        #expect(try cells("networking.k8s.io", "ingressclasses", ingressClass) == ["k3s", "k3s.io/ingress-proxy", "<none>", "5m"])
        let parameterized: JSONValue = ["metadata": ["name": "p", "creationTimestamp": .string(Self.created)],
                                        "spec": ["controller": "x", "parameters": ["kind": "Params", "apiGroup": "example.com", "name": "one"]]]
        #expect(try cells("networking.k8s.io", "ingressclasses", parameterized) == ["p", "x", "Params.example.com/one", "5m"])
        let policy: JSONValue = ["metadata": ["name": "deny", "creationTimestamp": .string(Self.created)], "spec": ["podSelector": [:]]]
        #expect(try cells("networking.k8s.io", "networkpolicies", policy) == ["deny", "<none>", "5m"])
        let guarded: JSONValue = ["metadata": ["name": "g", "creationTimestamp": .string(Self.created)], "spec": ["podSelector": ["matchLabels": ["app": "web"]]]]
        #expect(try cells("networking.k8s.io", "networkpolicies", guarded) == ["g", "app=web", "5m"])
        let binding: JSONValue = ["metadata": ["name": "b", "creationTimestamp": .string(Self.created)], "roleRef": ["kind": "ClusterRole", "name": "view"],
                                  "subjects": [["kind": "User", "name": "alice"], ["kind": "ServiceAccount", "name": "sa", "namespace": "ns"]]]
        #expect(try cells("rbac.authorization.k8s.io", "rolebindings", binding) == ["b", "ClusterRole/view", "5m", "alice", "", "ns/sa"])
        let pvc: JSONValue = ["metadata": ["name": "data", "creationTimestamp": .string(Self.created)],
                              "spec": ["volumeName": "pv-1", "storageClassName": "local-path", "volumeMode": "Filesystem"],
                              "status": ["phase": "Bound", "capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteOnce", "ReadWriteOncePod"]]]
        #expect(try cells("", "persistentvolumeclaims", pvc) == ["data", "Bound", "pv-1", "1Gi", "RWO,RWOP", "local-path", "<unset>", "5m", "Filesystem"])
        let event: JSONValue = ["metadata": ["name": "web.17", "creationTimestamp": .string(Self.created)], "type": "Normal", "reason": "Scheduled",
                                "involvedObject": ["kind": "Pod", "name": "web"], "message": "assigned", "source": ["component": "default-scheduler"],
                                "firstTimestamp": "2024-05-01T11:59:00Z", "lastTimestamp": "2024-05-01T11:59:30Z", "count": 2]
        #expect(try cells("", "events", event) == ["30s", "Normal", "Scheduled", "pod/web", "", "default-scheduler", "assigned", "60s", 2, "web.17"])
    }

    @Test func customResourceColumns() throws {
        let descriptor = DiscoveryHandlerTests.crontabs
        let columns: [JSONValue] = [
            ["name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"],
            ["name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"],
            ["name": "Ready", "type": "string", "jsonPath": #".status.conditions[?(@.type=="Ready")].status"#],
            ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"],
            ["name": "Bad", "type": "string", "jsonPath": ".spec[", "priority": 1],
        ]
        let object: JSONValue = [
            "metadata": ["name": "c1", "creationTimestamp": .string(Self.created)],
            "spec": ["cronSpec": "* * * * */5", "replicas": 2.0],
            "status": ["conditions": [["type": "Synced", "status": "False"], ["type": "Ready", "status": "True"]]],
        ]
        let table = printer.table(for: [object], descriptor: descriptor, printerColumns: columns)
        #expect(table["rows"]?[0]?["cells"] == ["c1", "* * * * */5", 2, "True", "5m", nil])
        #expect(table["columnDefinitions"]?[5]?["priority"] == 1)
        let plain = printer.table(for: [object], descriptor: descriptor, printerColumns: [])
        #expect(plain["rows"]?[0]?["cells"] == ["c1", "5m"])
        #expect((plain["columnDefinitions"]?.arrayValue ?? []).map { $0["name"] } == ["Name", "Age"])
    }

    @Test(arguments: [
        (".spec.a", ["x"] as [JSONValue]), ("{.spec.a}", ["x"]), (".spec.list[1]", [2]), (".spec.list[-1]", [3]), (".spec.list[*]", [1, 2, 3]),
        (".spec['a']", ["x"]), (".spec.items[?(@.k==\"b\")].v", ["B"]), (".spec.items[?(@.k!=\"b\")].v", ["A"]), (".spec.missing", []),
        (".spec.items[*].v", ["A", "B"]),
    ])
    func jsonPath(expression: String, expected: [JSONValue]) throws {
        let root: JSONValue = ["spec": ["a": "x", "list": [1, 2, 3], "items": [["k": "a", "v": "A"], ["k": "b", "v": "B"]]]]
        #expect(try JSONPathExpression(expression).evaluate(root) == expected)
    }

    @Test(arguments: ["spec", ".spec[", ".spec[?(@.x>1)]", ".spec..a", ".spec[abc]"])
    func badJSONPathIsRefused(expression: String) {
        #expect(throws: JSONPathExpression.ParseError.self) { try JSONPathExpression(expression) }
    }

    @Test(arguments: [
        ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", true),
        ("application/json;as=Table;v=v1beta1;g=meta.k8s.io", true),
        ("application/json; as=Table; v=v1; g=meta.k8s.io", true),
        ("application/json", false), ("application/yaml;as=Table;v=v1;g=meta.k8s.io", false),
        ("application/json;as=Table;v=v2;g=meta.k8s.io", false), ("", false),
    ])
    func tableNegotiation(accept: String, wanted: Bool) {
        #expect(TablePrinter.acceptsTable(accept) == wanted)
    }
}
