import Testing
@testable import KubeAPI

/// Parses JSON text for patch tests. Fails the test (and returns `null`) on invalid JSON.
func patchJSON(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue {
    do {
        return try JSONValue(parsing: text)
    } catch {
        Issue.record("invalid JSON in test: \(error)\n\(text)", sourceLocation: sourceLocation)
        return .null
    }
}

/// A small hand-made merge schema shaped like a Pod, for strategic merge patch tests.
enum PatchFixtures {
    static let podKind = GroupVersionKind(group: "", version: "v1", kind: "Pod")

    static let schema = MergeSchema(
        definitions: [
            "test.Pod": [
                "apiVersion": MergeField(type: .scalar),
                "kind": MergeField(type: .scalar),
                "metadata": MergeField(type: .object("test.ObjectMeta")),
                "spec": MergeField(type: .object("test.PodSpec")),
            ],
            "test.ObjectMeta": [
                "name": MergeField(type: .scalar),
                "labels": MergeField(type: .map(.scalar)),
                "annotations": MergeField(type: .map(.scalar)),
                "finalizers": MergeField(type: .array(.scalar), patchStrategies: [.merge]),
            ],
            "test.PodSpec": [
                "containers": MergeField(
                    type: .array(.object("test.Container")), patchStrategies: [.merge], patchMergeKey: "name",
                    listType: .map, listMapKeys: ["name"]),
                "initContainers": MergeField(
                    type: .array(.object("test.Container")), patchStrategies: [.merge], patchMergeKey: "name"),
                "volumes": MergeField(
                    type: .array(.object("test.Volume")), patchStrategies: [.merge, .retainKeys], patchMergeKey: "name"),
                "tolerations": MergeField(type: .array(.object("test.Toleration")), listType: .atomic),
                "resourceClaims": MergeField(
                    type: .array(.object("test.Claim")), listType: .map, listMapKeys: ["name"]),
                "nodeSelector": MergeField(type: .map(.scalar)),
                "securityContext": MergeField(type: .object("test.SecurityContext"), patchStrategies: [.replace]),
                "updateStrategy": MergeField(type: .object("test.UpdateStrategy"), patchStrategies: [.retainKeys]),
                "config": MergeField(type: .unstructured),
                "priority": MergeField(type: .scalar),
                "hostname": MergeField(type: .scalar),
            ],
            "test.Container": [
                "name": MergeField(type: .scalar),
                "image": MergeField(type: .scalar),
                "args": MergeField(type: .array(.scalar), listType: .atomic),
                "ports": MergeField(
                    type: .array(.object("test.ContainerPort")), patchStrategies: [.merge], patchMergeKey: "containerPort"),
                "env": MergeField(type: .array(.object("test.EnvVar")), patchStrategies: [.merge], patchMergeKey: "name"),
                "resources": MergeField(type: .object("test.Resources")),
            ],
            "test.ContainerPort": [
                "containerPort": MergeField(type: .scalar),
                "protocol": MergeField(type: .scalar),
                "name": MergeField(type: .scalar),
            ],
            "test.EnvVar": [
                "name": MergeField(type: .scalar),
                "value": MergeField(type: .scalar),
            ],
            "test.Resources": [
                "limits": MergeField(type: .map(.scalar)),
                "requests": MergeField(type: .map(.scalar)),
            ],
            "test.Volume": [
                "name": MergeField(type: .scalar),
                "emptyDir": MergeField(type: .object("test.EmptyDir")),
                "hostPath": MergeField(type: .object("test.HostPath")),
            ],
            "test.EmptyDir": ["medium": MergeField(type: .scalar)],
            "test.HostPath": ["path": MergeField(type: .scalar), "type": MergeField(type: .scalar)],
            "test.Toleration": [
                "key": MergeField(type: .scalar),
                "operator": MergeField(type: .scalar),
                "effect": MergeField(type: .scalar),
            ],
            "test.Claim": ["name": MergeField(type: .scalar), "source": MergeField(type: .scalar)],
            "test.SecurityContext": [
                "runAsUser": MergeField(type: .scalar),
                "runAsGroup": MergeField(type: .scalar),
            ],
            "test.UpdateStrategy": [
                "type": MergeField(type: .scalar),
                "rollingUpdate": MergeField(type: .object("test.RollingUpdate")),
            ],
            "test.RollingUpdate": [
                "maxSurge": MergeField(type: .scalar),
                "maxUnavailable": MergeField(type: .scalar),
            ],
        ],
        roots: [podKind: "test.Pod"]
    )
}

/// The broad category of a `PatchError`, for tables of invalid input.
enum PatchErrorKind: Sendable {
    case malformedPatch, invalidPointer, operationFailed, testFailed, invalidStrategicPatch
    case typeMismatch, invalidDocument, unknownDefinition, unknownKind

    init(_ error: PatchError) {
        switch error {
        case .malformedPatch: self = .malformedPatch
        case .invalidPointer: self = .invalidPointer
        case .operationFailed: self = .operationFailed
        case .testFailed: self = .testFailed
        case .invalidStrategicPatch: self = .invalidStrategicPatch
        case .typeMismatch: self = .typeMismatch
        case .invalidDocument: self = .invalidDocument
        case .unknownDefinition: self = .unknownDefinition
        case .unknownKind: self = .unknownKind
        }
    }
}

/// A deterministic pseudo-random generator (SplitMix64) so fuzz failures are reproducible.
struct PatchFuzzRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
