import Testing
@testable import KubeAPI

/// Seeded mutations of valid protobuf and YAML bodies (the two request decoders besides JSON):
/// each mutant either decodes to a JSON object or throws the decoder's typed error — never
/// traps, whatever the bytes.
@Suite struct DecoderFuzzTests {
    typealias SplitMix = ParserRobustnessTests.SplitMix

    static let deployment: JSONValue = [
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": ["name": "web", "namespace": "default", "labels": ["app": "web"], "creationTimestamp": "2026-11-29T08:00:00Z"],
        "spec": [
            "replicas": 3,
            "selector": ["matchLabels": ["app": "web"]],
            "template": [
                "metadata": ["labels": ["app": "web"]],
                "spec": ["containers": [[
                    "name": "nginx", "image": "nginx:1.25",
                    "ports": [["containerPort": 80, "protocol": "TCP"]],
                    "resources": ["limits": ["cpu": "500m", "memory": "128Mi"]],
                    "livenessProbe": ["httpGet": ["path": "/", "port": 80], "periodSeconds": 10],
                ]]],
            ],
            "strategy": ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": 1]],
        ],
    ]

    /// One random change: flip a bit, drop, duplicate or insert a byte, or cut the tail.
    static func mutate(_ bytes: [UInt8], using rng: inout SplitMix) -> [UInt8] {
        var out = bytes
        for _ in 0..<Int.random(in: 1...3, using: &rng) where !out.isEmpty {
            let i = Int.random(in: 0..<out.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: out[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            case 1: out.remove(at: i)
            case 2: out.insert(out[i], at: i)
            case 3: out.insert(UInt8.random(in: 0...255, using: &rng), at: i)
            default: out.removeSubrange(i...)
            }
        }
        return out
    }

    @Test func protobufMutantsNeverTrap() throws {
        let valid = try KubernetesProtobuf.encode(Self.deployment)
        #expect(try KubernetesProtobuf.decode(valid)["spec"]?["replicas"] == 3)
        var rng = SplitMix(state: 11)
        var decoded = 0
        var refused = 0
        for _ in 0..<4000 {
            let mutant = Self.mutate(valid, using: &rng)
            do {
                let object = try KubernetesProtobuf.decode(mutant)
                #expect(object.objectValue != nil)
                decoded += 1
            } catch {
                refused += 1
            }
        }
        // Both outcomes occur: the mutations reach past the envelope into the fields.
        #expect(decoded > 0 && refused > 0, "decoded \(decoded), refused \(refused)")
    }

    @Test func yamlMutantsNeverTrap() throws {
        let manifest = Array("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {app: web, tier: "front"}
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                  - name: nginx
                    image: 'nginx:1.25'
                    args: [--port, "8080"]
                    command:
                      - sh
                      - -c
                      - |
                        echo hello
                        exec nginx
            """.utf8)
        #expect(try YAMLParser.parse(manifest)["spec"]?["replicas"] == 3)
        var rng = SplitMix(state: 12)
        var parsed = 0
        for _ in 0..<4000 {
            let mutant = Self.mutate(manifest, using: &rng)
            if (try? YAMLParser.parse(mutant)) != nil { parsed += 1 }
        }
        #expect(parsed > 0)
    }
}
