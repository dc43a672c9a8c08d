import KubeAPI
import Testing
@testable import APIServer

/// Defaulting of the built-in kinds: input object → the exact member (and member order) the
/// server stores.
@Suite struct AdmissionDefaultsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var group: String
        var resource: String
        var input: String
        var path: [String]
        var expected: String
        var testDescription: String { name }
    }

    static let containerDefaults = #""resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File""#
    static let templateSpecTail = #""restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler""#

    static let cases: [Case] = [
        Case(
            name: "deployment", group: "apps", resource: "deployments",
            input: #"{"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx:1.25"}]}}}}"#,
            path: ["spec"],
            expected: #"{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx:1.25","# + containerDefaults + #","imagePullPolicy":"IfNotPresent"}],"# + templateSpecTail + #"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},"revisionHistoryLimit":10,"progressDeadlineSeconds":600}"#
        ),
        Case(
            name: "deployment keeps given values", group: "apps", resource: "deployments",
            input: #"{"metadata":{"name":"web"},"spec":{"replicas":3,"strategy":{"type":"Recreate"},"revisionHistoryLimit":2,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"restartPolicy":"Always","containers":[{"name":"c","image":"busybox","imagePullPolicy":"Never"}]}}}}"#,
            path: ["spec"],
            expected: #"{"replicas":3,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"busybox","# + containerDefaults + #","imagePullPolicy":"Never"}],"# + templateSpecTail + #"}},"strategy":{"type":"Recreate"},"revisionHistoryLimit":2,"progressDeadlineSeconds":600}"#
        ),
        Case(
            name: "pod", group: "", resource: "pods",
            input: #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}],"livenessProbe":{"httpGet":{"port":80}}}],"volumes":[{"name":"s","secret":{"secretName":"x"}},{"name":"e"}]}}"#,
            path: ["spec"],
            expected: #"{"volumes":[{"name":"s","secret":{"secretName":"x","defaultMode":420}},{"name":"e","emptyDir":{}}],"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{},"livenessProbe":{"httpGet":{"path":"/","port":80,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"Always"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default","securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"}"#
        ),
        Case(
            name: "pod status qosClass BestEffort", group: "", resource: "pods",
            input: #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}"#,
            path: ["status"], expected: #"{"qosClass":"BestEffort"}"#
        ),
        Case(
            name: "pod limits become requests, Guaranteed", group: "", resource: "pods",
            input: #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]}}"#,
            path: ["status"], expected: #"{"qosClass":"Guaranteed"}"#
        ),
        Case(
            name: "pod Burstable", group: "", resource: "pods",
            input: #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"100m"}}}]}}"#,
            path: ["status"], expected: #"{"qosClass":"Burstable"}"#
        ),
        Case(
            name: "replicaset", group: "apps", resource: "replicasets",
            input: #"{"metadata":{"name":"r"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x@sha256:abc"}]}}}}"#,
            path: ["spec"],
            expected: #"{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x@sha256:abc","# + containerDefaults + #","imagePullPolicy":"IfNotPresent"}],"# + templateSpecTail + #"}}}"#
        ),
        Case(
            name: "statefulset", group: "apps", resource: "statefulsets",
            input: #"{"metadata":{"name":"s"},"spec":{"serviceName":"s","selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"r.io/x:latest"}]}}}}"#,
            path: ["spec"],
            expected: #"{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"r.io/x:latest","# + containerDefaults + #","imagePullPolicy":"Always"}],"# + templateSpecTail + #"}},"serviceName":"s","podManagementPolicy":"OrderedReady","updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}},"revisionHistoryLimit":10,"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Retain","whenScaled":"Retain"}}"#
        ),
        Case(
            name: "daemonset", group: "apps", resource: "daemonsets",
            input: #"{"metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"localhost:5000/x"}]}}}}"#,
            path: ["spec"],
            expected: #"{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"localhost:5000/x","# + containerDefaults + #","imagePullPolicy":"Always"}],"# + templateSpecTail + #"}},"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}},"revisionHistoryLimit":10}"#
        ),
        Case(
            name: "job", group: "batch", resource: "jobs",
            input: #"{"metadata":{"name":"pi","uid":"u-1"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"perl:5"}]}}}}"#,
            path: ["spec"],
            expected: #"{"parallelism":1,"completions":1,"backoffLimit":6,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"u-1"}},"template":{"metadata":{"labels":{"batch.kubernetes.io/controller-uid":"u-1","batch.kubernetes.io/job-name":"pi","controller-uid":"u-1","job-name":"pi"}},"spec":{"containers":[{"name":"c","image":"perl:5","# + containerDefaults + #","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Never","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler"}},"completionMode":"NonIndexed","suspend":false,"podReplacementPolicy":"TerminatingOrFailed"}"#
        ),
        Case(
            name: "job labels come from the template", group: "batch", resource: "jobs",
            input: #"{"metadata":{"name":"pi","uid":"u-1"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"perl:5"}]}}}}"#,
            path: ["metadata", "labels"],
            expected: #"{"batch.kubernetes.io/controller-uid":"u-1","batch.kubernetes.io/job-name":"pi","controller-uid":"u-1","job-name":"pi"}"#
        ),
        Case(
            name: "cronjob", group: "batch", resource: "cronjobs",
            input: #"{"metadata":{"name":"c"},"spec":{"schedule":"*/1 * * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox:1"}]}}}}}}"#,
            path: ["spec"],
            expected: #"{"schedule":"*/1 * * * *","concurrencyPolicy":"Allow","suspend":false,"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox:1","# + containerDefaults + #","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"OnFailure","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler"}}}},"successfulJobsHistoryLimit":3,"failedJobsHistoryLimit":1}"#
        ),
        Case(
            name: "replicationcontroller selector and labels from template", group: "", resource: "replicationcontrollers",
            input: #"{"metadata":{"name":"rc"},"spec":{"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x:1"}]}}}}"#,
            path: ["spec", "selector"], expected: #"{"a":"b"}"#
        ),
        Case(
            name: "service", group: "", resource: "services",
            input: #"{"metadata":{"name":"s"},"spec":{"selector":{"a":"b"},"ports":[{"port":80}]}}"#,
            path: ["spec"],
            expected: #"{"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"selector":{"a":"b"},"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}"#
        ),
        Case(
            name: "nodeport service", group: "", resource: "services",
            input: #"{"metadata":{"name":"s"},"spec":{"type":"NodePort","ports":[{"name":"web","port":80,"targetPort":"http"}]}}"#,
            path: ["spec"],
            expected: #"{"ports":[{"name":"web","protocol":"TCP","port":80,"targetPort":"http"}],"type":"NodePort","sessionAffinity":"None","externalTrafficPolicy":"Cluster","ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"}"#
        ),
        Case(
            name: "headless selectorless service", group: "", resource: "services",
            input: #"{"metadata":{"name":"s"},"spec":{"clusterIP":"None"}}"#,
            path: ["spec"],
            expected: #"{"clusterIP":"None","clusterIPs":["None"],"type":"ClusterIP","sessionAffinity":"None","ipFamilies":["IPv4","IPv6"],"ipFamilyPolicy":"RequireDualStack","internalTrafficPolicy":"Cluster"}"#
        ),
        Case(
            name: "service status", group: "", resource: "services",
            input: #"{"metadata":{"name":"s"},"spec":{"ports":[{"port":80}]}}"#,
            path: ["status"], expected: #"{"loadBalancer":{}}"#
        ),
        Case(
            name: "secret", group: "", resource: "secrets",
            input: #"{"metadata":{"name":"s"},"stringData":{"user":"admin"}}"#,
            path: [], expected: #"{"metadata":{"name":"s"},"data":{"user":"YWRtaW4="},"type":"Opaque"}"#
        ),
        Case(
            name: "pvc", group: "", resource: "persistentvolumeclaims",
            input: #"{"metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}"#,
            path: ["spec"],
            expected: #"{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},"volumeMode":"Filesystem"}"#
        ),
        Case(
            name: "podtemplate", group: "", resource: "podtemplates",
            input: #"{"metadata":{"name":"t"},"template":{"spec":{"containers":[{"name":"c","image":"x"}]}}}"#,
            path: ["template", "spec", "dnsPolicy"], expected: #""ClusterFirst""#
        ),
    ]

    @Test(arguments: cases)
    func defaults(_ test: Case) throws {
        let chain = AdmissionChain.builtin(services: ServiceAllocator())
        let descriptor = try #require(ResourceDescriptor.builtin.first { $0.group == test.group && $0.resource == test.resource })
        var object = try JSONValue(parsing: test.input)
        let errors = chain.admitCreate(&object, descriptor: descriptor)
        #expect(errors.isEmpty, "\(errors)")
        let value = test.path.isEmpty ? object : object[path: test.path]
        #expect(value.map(Self.withoutTokenVolume)?.serializedString(escapingHTML: false) == test.expected)
    }

    /// The value without the service-account token volume and its mounts (random name; its own
    /// test checks it), so the rest can be compared exactly.
    static func withoutTokenVolume(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items):
            return .array(items.filter { $0["name"]?.stringValue?.hasPrefix("kube-api-access-") != true }.map(withoutTokenVolume))
        case .object(var members):
            for (key, member) in members { members[key] = withoutTokenVolume(member) }
            if members["volumeMounts"]?.arrayValue?.isEmpty == true { members.removeValue(forKey: "volumeMounts") }
            return .object(members)
        default:
            return value
        }
    }

    @Test(arguments: cases)
    func defaultingIsIdempotent(_ test: Case) throws {
        let chain = AdmissionChain.builtin(services: ServiceAllocator())
        let descriptor = try #require(ResourceDescriptor.builtin.first { $0.group == test.group && $0.resource == test.resource })
        var once = try JSONValue(parsing: test.input)
        _ = chain.admitCreate(&once, descriptor: descriptor)
        var twice = once
        _ = chain.admitUpdate(&twice, old: once, descriptor: descriptor, target: .main)
        #expect(twice == once)
    }

    @Test(arguments: [
        ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
        ("localhost:5000/app", "Always"), ("localhost:5000/app:v2", "IfNotPresent"),
        ("repo/app@sha256:0123", "IfNotPresent"), ("repo/app:latest@sha256:0123", "Always"),
    ])
    func imagePullPolicy(image: String, policy: String) {
        var container: JSONValue = ["name": "c", "image": .string(image)]
        PodDefaults.applyToContainer(&container, hostNetwork: false)
        #expect(container["imagePullPolicy"]?.stringValue == policy)
    }

    @Test func storedDeploymentHasDefaultsAndStatus() async throws {
        let fixture = try await AdmissionFixture()
        let stored = try await fixture.create("deployments", group: "apps", AdmissionFixture.deployment("web"))
        #expect(stored[path: "spec", "replicas"] == 1)
        #expect(stored[path: "spec", "strategy", "rollingUpdate", "maxSurge"] == "25%")
        let container = stored[path: "spec", "template", "spec", "containers"]?[0]
        #expect(container?["imagePullPolicy"] == "IfNotPresent")
        let read = try await fixture.store("deployments", group: "apps").get(namespace: "default", name: "web").value
        #expect(read[path: "spec", "progressDeadlineSeconds"] == 600)
    }
}
