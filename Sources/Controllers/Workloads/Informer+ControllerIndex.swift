import KubeAPI
import KubeClient

extension Informer where Object: KubernetesObject {
    /// Adds the index `name` of objects by the uid of their controller
    /// (`metadata.controllerRef`), counting only controllers of `kind` when it is given. Objects
    /// without such a controller are indexed under `""` when `orphans` is true (so a controller
    /// can find the ones it may adopt), and left out otherwise.
    func indexByController(_ name: String, kind: String? = nil, orphans: Bool = false) {
        addIndex(name) { object in
            let ref = kind.map { object.metadata.controllerRef(kind: $0) } ?? object.metadata.controllerRef
            if let uid = ref?.uid { return [uid] }
            return orphans ? [""] : []
        }
    }
}
