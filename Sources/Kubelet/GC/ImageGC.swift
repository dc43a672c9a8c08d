/// What the kubelet remembers of each image for image garbage collection: when it first saw it
/// and when a container last used it.
public struct ImageGC: Sendable {
    /// One image's record.
    public struct Record: Sendable, Hashable {
        /// The image.
        public var image: CRI.Image
        /// When it was first seen (kubelet clock's elapsed time).
        public var firstDetected: Duration
        /// When a container last used it.
        public var lastUsed: Duration
    }

    /// Records by image ID.
    public private(set) var records: [String: Record] = [:]

    /// Creates an empty memory.
    public init() {}

    /// Whether a container uses the image (by ID, or by one of its names).
    static func uses(_ container: CRI.Container, _ image: CRI.Image) -> Bool {
        container.imageRef == image.id || image.repoTags.contains(container.image.image)
            || image.repoDigests.contains(container.imageRef) || image.repoDigests.contains(container.image.image)
            || container.image.image == image.id
    }

    /// The IDs of images some container (running or not) uses.
    public static func imagesInUse(_ images: [CRI.Image], containers: [CRI.Container]) -> Set<String> {
        Set(images.filter { image in containers.contains { uses($0, image) } }.map(\.id))
    }

    /// Takes note of the images present now and of those in use; forgets removed ones.
    public mutating func observe(_ images: [CRI.Image], inUse: Set<String>, now: Duration) {
        var next: [String: Record] = [:]
        for image in images {
            var record = records[image.id] ?? Record(image: image, firstDetected: now, lastUsed: .zero)
            record.image = image
            if inUse.contains(image.id) { record.lastUsed = now }
            next[image.id] = record
        }
        records = next
    }

    /// Every image that no container uses and that is not pinned, least recently used first
    /// (what disk-pressure eviction reclaims before evicting pods).
    public func unusedImages(inUse: Set<String>, pinned: Set<String>) -> [CRI.Image] {
        candidates(inUse: inUse, pinned: pinned, minAge: nil, now: .zero).map(\.image)
    }

    /// Records that may go: not in use, not pinned, seen at least `minAge` ago (when given);
    /// least recently used first.
    func candidates(inUse: Set<String>, pinned: Set<String>, minAge: Duration?, now: Duration) -> [Record] {
        records.values
            .filter { record in
                !inUse.contains(record.image.id) && minAge.map { now - record.firstDetected >= $0 } ?? true
                    && pinned.isDisjoint(with: record.image.repoTags + record.image.repoDigests + [record.image.id])
            }
            .sorted { ($0.lastUsed, $0.firstDetected, $0.image.id) < ($1.lastUsed, $1.firstDetected, $1.image.id) }
    }

    /// The images to remove so that the image filesystem drops to the low threshold, least
    /// recently used first; none while it is below the high threshold. Images in use, pinned
    /// ones (any of their names in `pinned`) and those younger than `minAge` are kept.
    public func imagesToRemove(
        filesystem: FilesystemUsage, inUse: Set<String>, pinned: Set<String>, policy: ImageGCPolicy, now: Duration
    ) -> [CRI.Image] {
        guard filesystem.capacityBytes > 0 else { return [] }
        let usagePercent = 100 - Int(filesystem.availableBytes * 100 / filesystem.capacityBytes)
        guard usagePercent >= policy.highThresholdPercent else { return [] }
        let toFree = filesystem.capacityBytes * Int64(100 - policy.lowThresholdPercent) / 100 - filesystem.availableBytes
        guard toFree > 0 else { return [] }
        var freed: Int64 = 0
        var chosen: [CRI.Image] = []
        for record in candidates(inUse: inUse, pinned: pinned, minAge: policy.minAge, now: now) where freed < toFree {
            chosen.append(record.image)
            freed += record.image.size
        }
        return chosen
    }
}
