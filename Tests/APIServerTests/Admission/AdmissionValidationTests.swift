import KubeAPI
import Testing
@testable import APIServer

/// Invalid objects are refused with upstream's 422 messages and field paths.
@Suite struct AdmissionValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var group: String = ""
        var resource: String
        var object: String
        var message: String
        var testDescription: String { name }
    }

    static let container = #"{"name":"c","image":"nginx"}"#
    static func pod(_ spec: String) -> String { #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":"# + spec + "}" }
    static func deployment(_ spec: String) -> String { #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":"# + spec + "}" }
    static func service(_ spec: String) -> String { #"{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":"# + spec + "}" }
    static let template = #""template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}"#

    static let cases: [Case] = [
        Case(name: "pod without containers", resource: "pods", object: pod(#"{"containers":[]}"#),
             message: #"Pod "p" is invalid: spec.containers: Required value"#),
        Case(name: "pod container without image", resource: "pods", object: pod(#"{"containers":[{"name":"c"}]}"#),
             message: #"Pod "p" is invalid: spec.containers[0].image: Required value"#),
        Case(name: "pod container bad name", resource: "pods", object: pod(#"{"containers":[{"name":"Web_1","image":"x"}]}"#),
             message: #"Pod "p" is invalid: spec.containers[0].name: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"#),
        Case(name: "pod duplicate container names", resource: "pods", object: pod(#"{"containers":[{"name":"c","image":"x"},{"name":"c","image":"y"}]}"#),
             message: #"Pod "p" is invalid: spec.containers[1].name: Duplicate value: "c""#),
        Case(name: "pod port out of range", resource: "pods", object: pod(#"{"containers":[{"name":"c","image":"x","ports":[{"containerPort":70000}]}]}"#),
             message: #"Pod "p" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"#),
        Case(name: "pod bad protocol", resource: "pods", object: pod(#"{"containers":[{"name":"c","image":"x","ports":[{"containerPort":80,"protocol":"HTTP"}]}]}"#),
             message: #"Pod "p" is invalid: spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP""#),
        Case(name: "pod restart policy", resource: "pods", object: pod(#"{"restartPolicy":"Sometimes","containers":[{"name":"c","image":"x"}]}"#),
             message: #"Pod "p" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never""#),
        Case(name: "pod dns policy", resource: "pods", object: pod(#"{"dnsPolicy":"Google","containers":[{"name":"c","image":"x"}]}"#),
             message: #"Pod "p" is invalid: spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None""#),
        Case(name: "pod request above limit", resource: "pods", object: pod(#"{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}}]}"#),
             message: #"Pod "p" is invalid: spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1"#),
        Case(name: "pod mount of a missing volume", resource: "pods", object: pod(#"{"containers":[{"name":"c","image":"x","volumeMounts":[{"name":"data","mountPath":"/d"}]}]}"#),
             message: #"Pod "p" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "data""#),
        Case(name: "pod two errors", resource: "pods", object: pod(#"{"containers":[{"name":"","image":""}]}"#),
             message: #"Pod "p" is invalid: [spec.containers[0].name: Required value, spec.containers[0].image: Required value]"#),
        Case(name: "deployment without selector", group: "apps", resource: "deployments", object: deployment("{" + template + "}"),
             message: #"Deployment.apps "d" is invalid: spec.selector: Required value"#),
        Case(name: "deployment selector mismatch", group: "apps", resource: "deployments",
             object: deployment(#"{"selector":{"matchLabels":{"app":"other"}},"# + template + "}"),
             message: #"Deployment.apps "d" is invalid: spec.template.metadata.labels: Invalid value: {"app":"d"}: `selector` does not match template `labels`"#),
        Case(name: "deployment negative replicas", group: "apps", resource: "deployments",
             object: deployment(#"{"replicas":-1,"selector":{"matchLabels":{"app":"d"}},"# + template + "}"),
             message: #"Deployment.apps "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"#),
        Case(name: "deployment empty selector", group: "apps", resource: "deployments",
             object: deployment(#"{"selector":{},"# + template + "}"),
             message: #"Deployment.apps "d" is invalid: spec.selector: Invalid value: {}: empty selector is invalid for deployment"#),
        Case(name: "deployment template restart policy", group: "apps", resource: "deployments",
             object: deployment(#"{"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}"#),
             message: #"Deployment.apps "d" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always""#),
        Case(name: "job restart policy", group: "batch", resource: "jobs",
             object: #"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x"}]}}}}"#,
             message: #"Job.batch "j" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never""#),
        Case(name: "cronjob schedule", group: "batch", resource: "cronjobs",
             object: #"{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c"},"spec":{"schedule":"every day","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x"}]}}}}}}"#,
             message: #"CronJob.batch "c" is invalid: spec.schedule: Invalid value: "every day": expected exactly 5 fields, found 2: every day"#),
        Case(name: "service without ports", resource: "services", object: service(#"{"selector":{"a":"b"}}"#),
             message: #"Service "s" is invalid: spec.ports: Required value"#),
        Case(name: "service port zero", resource: "services", object: service(#"{"ports":[{"port":0}]}"#),
             message: #"Service "s" is invalid: [spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive]"#),
        Case(name: "service port too large", resource: "services", object: service(#"{"ports":[{"port":65536}]}"#),
             message: #"Service "s" is invalid: [spec.ports[0].port: Invalid value: 65536: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 65536: must be between 1 and 65535, inclusive]"#),
        Case(name: "service unnamed ports", resource: "services", object: service(#"{"ports":[{"port":80},{"port":81,"name":"b"}]}"#),
             message: #"Service "s" is invalid: spec.ports[0].name: Required value"#),
        Case(name: "service duplicate port names", resource: "services", object: service(#"{"ports":[{"port":80,"name":"a"},{"port":81,"name":"a"}]}"#),
             message: #"Service "s" is invalid: spec.ports[1].name: Duplicate value: "a""#),
        Case(name: "service type", resource: "services", object: service(#"{"type":"Internal","ports":[{"port":80}]}"#),
             message: #"Service "s" is invalid: spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort""#),
        Case(name: "service nodePort on ClusterIP", resource: "services", object: service(#"{"ports":[{"port":80,"nodePort":30080}]}"#),
             message: #"Service "s" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"#),
        Case(name: "service name must be a label", resource: "services",
             object: #"{"apiVersion":"v1","kind":"Service","metadata":{"name":"a.b"},"spec":{"ports":[{"port":80}]}}"#,
             message: #"Service "a.b" is invalid: metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"#),
        Case(name: "external name required", resource: "services", object: service(#"{"type":"ExternalName"}"#),
             message: #"Service "s" is invalid: spec.externalName: Required value"#),
        Case(name: "configmap key", resource: "configmaps",
             object: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a b":"x"}}"#,
             message: #"ConfigMap "c" is invalid: data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"#),
        Case(name: "configmap key in data and binaryData", resource: "configmaps",
             object: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"x"},"binaryData":{"k":"eA=="}}"#,
             message: #"ConfigMap "c" is invalid: binaryData[k]: Invalid value: "k": duplicate of key present in data"#),
        Case(name: "secret key", resource: "secrets",
             object: #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"..":"eA=="}}"#,
             message: #"Secret "s" is invalid: data[..]: Invalid value: "..": must not be '..'"#),
        Case(name: "tls secret keys", resource: "secrets",
             object: #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"kubernetes.io/tls","data":{"tls.crt":"eA=="}}"#,
             message: #"Secret "s" is invalid: data[tls.key]: Required value"#),
        Case(name: "pvc without access modes", resource: "persistentvolumeclaims",
             object: #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"resources":{"requests":{"storage":"1Gi"}}}}"#,
             message: #"PersistentVolumeClaim "c" is invalid: spec.accessModes: Required value: at least 1 access mode is required"#),
    ]

    @Test(arguments: cases)
    func refused(_ test: Case) async throws {
        let fixture = try await AdmissionFixture()
        let error = await fixture.createError(test.resource, group: test.group, try JSONValue(parsing: test.object))
        let status = try #require(error)
        #expect(status.code == 422)
        #expect(status.message == test.message)
    }

    @Test func causesCarryFieldPaths() async throws {
        let fixture = try await AdmissionFixture()
        let error = await fixture.createError("pods", try JSONValue(parsing: Self.pod(#"{"containers":[{"name":"","image":""}]}"#)))
        let status = try #require(error)
        let causes = status.details?.causes ?? []
        #expect(causes.map(\.field) == ["spec.containers[0].name", "spec.containers[0].image"])
        #expect(causes.map(\.reason) == ["FieldValueRequired", "FieldValueRequired"])
    }

    @Test func configMapTooLarge() async throws {
        let fixture = try await AdmissionFixture()
        let big = String(repeating: "x", count: 1024 * 1024 + 1)
        let error = await fixture.createError("configmaps", ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "big"], "data": ["k": .string(big)]])
        #expect(error?.message == #"ConfigMap "big" is invalid: data: Too long: must have at most 1048576 bytes"#)
    }

    /// Every field of every kind set to values of the wrong shape: refused or accepted, never a crash.
    @Test(arguments: ["pods", "services", "deployments", "statefulsets", "daemonsets", "jobs", "cronjobs", "configmaps", "secrets", "replicasets", "replicationcontrollers", "persistentvolumeclaims", "podtemplates"])
    func badShapesNeverCrash(resource: String) async throws {
        let fixture = try await AdmissionFixture()
        let descriptor = try #require(ResourceDescriptor.builtin.first { $0.resource == resource })
        let store = try #require(fixture.registry.store(group: descriptor.group, version: descriptor.version, resource: resource))
        let weird: [JSONValue] = [.null, 1, -5, "x", "", true, .array([]), .array([1, "a", .null, .object([:])]), .object([:]), ["a": ["b": .array([.null])]]]
        let fields = ["spec", "template", "data", "binaryData", "stringData", "type", "immutable", "status"]
        let nested = ["containers", "initContainers", "volumes", "ports", "selector", "template", "replicas", "strategy", "updateStrategy",
                      "clusterIP", "clusterIPs", "type", "jobTemplate", "schedule", "resources", "accessModes", "restartPolicy", "parallelism"]
        var index = 0
        for field in fields {
            for value in weird {
                index += 1
                let object: JSONValue = ["apiVersion": .string(descriptor.group.isEmpty ? descriptor.version : "\(descriptor.group)/\(descriptor.version)"), "kind": .string(descriptor.kind), "metadata": ["name": .string("w\(index)")], field: value]
                _ = try? await store.create(namespace: "default", object: object)
            }
        }
        for field in nested {
            for value in weird {
                index += 1
                let object: JSONValue = ["apiVersion": .string(descriptor.group.isEmpty ? descriptor.version : "\(descriptor.group)/\(descriptor.version)"), "kind": .string(descriptor.kind), "metadata": ["name": .string("n\(index)")],
                                         "spec": [field: value, "template": ["spec": [field: value, "containers": [[field: value]]]]]]
                do {
                    _ = try await store.create(namespace: "default", object: object)
                } catch let error as StatusError {
                    #expect([400, 409, 422, 500].contains(error.code), "\(error)")
                }
            }
        }
    }
}
