/// Emits `KubernetesKinds`: the registry of generated kinds.
struct KindsEmitter {
    let definitions: [String: Definition]

    func source() -> String {
        var objects: [(GVK, String)] = []
        var lists: [(GVK, String)] = []
        var plain: [(GVK, String)] = []
        for def in definitions.values {
            let type = SwiftNaming.typeName(of: def.name)
            switch def.role {
            case .none: break
            case .object(let g): objects.append((g, type))
            case .list(let g, _): lists.append((g, type))
            case .plain(let g): plain.append((g, type))
            }
        }
        func render(_ items: [(GVK, String)]) -> String {
            items.sorted { $0.0 < $1.0 }.map { "        \($0.1).self,\n" }.joined()
        }
        var s = """
        /// Every kind the generator found in the OpenAPI documents, and lookup by group/version/kind.
        public enum KubernetesKinds {
            /// Every top-level object kind (with `metadata: ObjectMeta`), sorted by group, version and kind.
            public static let all: [any KubernetesObject.Type] = [

        """
        s += render(objects)
        s += """
            ]

            /// Every `...List` kind, sorted by group, version and kind.
            public static let lists: [any KubernetesList.Type] = [

        """
        s += render(lists)
        s += """
            ]

            /// Kinds that are neither objects nor lists (`Status`, `APIResourceList`), sorted.
            public static let others: [any KubernetesKind.Type] = [

        """
        s += render(plain)
        s += """
            ]

            /// `all`, `lists` and `others` together.
            public static var allKinds: [any KubernetesKind.Type] {
                all.map { $0 as any KubernetesKind.Type } + lists.map { $0 as any KubernetesKind.Type } + others
            }

            private static let objectsByGVK: [GroupVersionKind: any KubernetesObject.Type] =
                Dictionary(uniqueKeysWithValues: all.map { ($0.groupVersionKind, $0) })

            private static let listsByGVK: [GroupVersionKind: any KubernetesList.Type] =
                Dictionary(uniqueKeysWithValues: lists.map { ($0.groupVersionKind, $0) })

            private static let kindsByGVK: [GroupVersionKind: any KubernetesKind.Type] =
                Dictionary(uniqueKeysWithValues: allKinds.map { ($0.groupVersionKind, $0) })

            /// The object type of a group/version/kind, or `nil` when it is not a built-in object kind.
            public static func objectType(for gvk: GroupVersionKind) -> (any KubernetesObject.Type)? {
                objectsByGVK[gvk]
            }

            /// The list type of a group/version/kind (`v1, Kind=PodList`), or `nil`.
            public static func listType(for gvk: GroupVersionKind) -> (any KubernetesList.Type)? {
                listsByGVK[gvk]
            }

            /// Any generated kind type (object, list or other) of a group/version/kind, or `nil`.
            public static func kindType(for gvk: GroupVersionKind) -> (any KubernetesKind.Type)? {
                kindsByGVK[gvk]
            }
        }

        """
        return s
    }
}
