extension CRI {
    /// An image as named by a pod spec (`nginx`, `registry.k8s.io/pause:3.10`).
    public struct ImageSpec: Sendable, Hashable {
        /// The reference as written.
        public var image: String

        /// Creates a spec.
        public init(_ image: String) {
            self.image = image
        }
    }

    /// An image present on the node.
    public struct Image: Sendable, Hashable {
        /// The image identifier (`sha256:...`).
        public var id: String
        /// Tagged references (`docker.io/library/nginx:latest`).
        public var repoTags: [String]
        /// Digested references (`docker.io/library/nginx@sha256:...`).
        public var repoDigests: [String]
        /// Size in bytes.
        public var size: Int64

        /// Creates an image entry.
        public init(id: String, repoTags: [String], repoDigests: [String], size: Int64) {
            self.id = id
            self.repoTags = repoTags
            self.repoDigests = repoDigests
            self.size = size
        }
    }
}
