import Synchronization
import KubeAPI

/// The set of resources the server advertises, shared by discovery, OpenAPI and whoever adds
/// custom resources at run time. Thread-safe; every change bumps ``generation`` so readers can
/// cache what they derive from it.
public final class DiscoveryCatalog: Sendable {
    /// One advertised resource: its descriptor and the version its objects are stored at.
    public struct Entry: Sendable, Hashable {
        /// The resource.
        public var descriptor: ResourceDescriptor
        /// The version objects are stored at, when it differs from the served one (it feeds the
        /// `storageVersionHash`).
        public var storageVersion: StorageVersion?

        /// Creates an entry.
        public init(descriptor: ResourceDescriptor, storageVersion: StorageVersion? = nil) {
            self.descriptor = descriptor
            self.storageVersion = storageVersion
        }
    }

    /// The group and version a resource is stored as.
    public struct StorageVersion: Sendable, Hashable {
        /// The storage group (empty for core).
        public var group: String
        /// The storage version.
        public var version: String

        /// Creates a storage version.
        public init(group: String, version: String) {
            self.group = group
            self.version = version
        }
    }

    /// A consistent view of the catalog.
    public struct Snapshot: Sendable {
        /// The change counter at the time of the snapshot.
        public var generation: UInt64
        /// The entries, in insertion order.
        public var entries: [Entry]
    }

    private struct State {
        var generation: UInt64 = 1
        var entries: [Entry] = []
    }

    private let state: Mutex<State>

    /// Creates a catalog holding `descriptors`.
    public init(_ descriptors: [ResourceDescriptor]) {
        let entries = descriptors.map {
            Entry(descriptor: $0, storageVersion: DiscoveryCatalog.builtinStorageVersions[$0.groupVersionResource])
        }
        state = Mutex(State(entries: entries))
    }

    /// Creates a catalog of the built-in resources.
    public convenience init() {
        self.init(ResourceDescriptor.builtin)
    }

    /// The current change counter; it grows on every change.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// The entries and the change counter, read together.
    public func snapshot() -> Snapshot {
        state.withLock { Snapshot(generation: $0.generation, entries: $0.entries) }
    }

    /// The descriptors, in insertion order.
    public var descriptors: [ResourceDescriptor] { snapshot().entries.map(\.descriptor) }

    /// The descriptor served at `group`/`version`/`resource`, if any.
    public func descriptor(group: String, version: String, resource: String) -> ResourceDescriptor? {
        state.withLock { state in
            state.entries.first {
                $0.descriptor.group == group && $0.descriptor.version == version && $0.descriptor.resource == resource
            }?.descriptor
        }
    }

    /// Adds a resource, replacing one with the same group/version/resource.
    public func add(_ descriptor: ResourceDescriptor, storageVersion: StorageVersion? = nil) {
        state.withLock { state in
            let entry = Entry(descriptor: descriptor, storageVersion: storageVersion)
            if let index = state.entries.firstIndex(where: { $0.descriptor.groupVersionResource == descriptor.groupVersionResource }) {
                guard state.entries[index] != entry else { return }
                state.entries[index] = entry
            } else {
                state.entries.append(entry)
            }
            state.generation += 1
        }
    }

    /// Replaces every version of the resource `group`/`resource` with `descriptors` (what a CRD
    /// update does); an empty list removes the resource.
    public func replaceVersions(group: String, resource: String, with descriptors: [ResourceDescriptor], storageVersion: StorageVersion? = nil) {
        state.withLock { state in
            state.entries.removeAll { $0.descriptor.group == group && $0.descriptor.resource == resource }
            state.entries.append(contentsOf: descriptors.map { Entry(descriptor: $0, storageVersion: storageVersion) })
            state.generation += 1
        }
    }

    /// Removes the resource `group`/`version`/`resource`; returns whether it was there.
    @discardableResult
    public func remove(group: String, version: String, resource: String) -> Bool {
        state.withLock { state in
            let before = state.entries.count
            state.entries.removeAll {
                $0.descriptor.group == group && $0.descriptor.version == version && $0.descriptor.resource == resource
            }
            guard state.entries.count != before else { return false }
            state.generation += 1
            return true
        }
    }

    /// The built-in resources whose storage version differs from the served version.
    static let builtinStorageVersions: [GroupVersionResource: StorageVersion] = [
        GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events"): StorageVersion(group: "", version: "v1"),
        GroupVersionResource(group: "autoscaling", version: "v1", resource: "horizontalpodautoscalers"): StorageVersion(group: "autoscaling", version: "v2"),
        GroupVersionResource(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions"): StorageVersion(group: "apiextensions.k8s.io", version: "v1beta1"),
        GroupVersionResource(group: "admissionregistration.k8s.io", version: "v1", resource: "mutatingadmissionpolicies"): StorageVersion(group: "admissionregistration.k8s.io", version: "v1beta1"),
        GroupVersionResource(group: "admissionregistration.k8s.io", version: "v1", resource: "mutatingadmissionpolicybindings"): StorageVersion(group: "admissionregistration.k8s.io", version: "v1beta1"),
    ]
}
