import KubeAPI
import Synchronization
@testable import Kubelet

/// A `PodObjectSource` fed by the test; counts token requests.
final class FakePodObjects: PodObjectSource {
    struct Objects {
        var configMaps: [String: CoreV1.ConfigMap] = [:]
        var secrets: [String: CoreV1.Secret] = [:]
        var claims: [String: CoreV1.PersistentVolumeClaim] = [:]
        var volumes: [String: CoreV1.PersistentVolume] = [:]
        var tokenRequests: [(serviceAccount: String, audiences: [String], expirationSeconds: Int, pod: String)] = []
        var tokenLife: Int64 = 3600
        var now: Int64 = 1_000_000
    }

    let objects = Mutex(Objects())

    func put(configMap name: String, namespace: String = "default", _ data: [String: String]) {
        objects.withLock {
            $0.configMaps["\(namespace)/\(name)"] = CoreV1.ConfigMap(data: data, metadata: MetaV1.ObjectMeta(name: name, namespace: namespace))
        }
    }

    func put(secret name: String, namespace: String = "default", _ data: [String: String]) {
        objects.withLock {
            $0.secrets["\(namespace)/\(name)"] = CoreV1.Secret(
                data: data.mapValues { Base64.encode(Array($0.utf8)) }, metadata: MetaV1.ObjectMeta(name: name, namespace: namespace))
        }
    }

    func configMap(_ name: String, namespace: String) async throws -> CoreV1.ConfigMap? {
        objects.withLock { $0.configMaps["\(namespace)/\(name)"] }
    }

    func secret(_ name: String, namespace: String) async throws -> CoreV1.Secret? {
        objects.withLock { $0.secrets["\(namespace)/\(name)"] }
    }

    func persistentVolumeClaim(_ name: String, namespace: String) async throws -> CoreV1.PersistentVolumeClaim? {
        objects.withLock { $0.claims["\(namespace)/\(name)"] }
    }

    func persistentVolume(_ name: String) async throws -> CoreV1.PersistentVolume? {
        objects.withLock { $0.volumes[name] }
    }

    func serviceAccountToken(
        _ serviceAccount: String, namespace: String, audiences: [String], expirationSeconds: Int, pod: CoreV1.Pod
    ) async throws -> ServiceAccountToken {
        objects.withLock { state in
            state.tokenRequests.append((serviceAccount, audiences, expirationSeconds, pod.metadata.name ?? ""))
            return ServiceAccountToken(token: "token-\(state.tokenRequests.count)", expiresAt: state.now + state.tokenLife)
        }
    }
}
