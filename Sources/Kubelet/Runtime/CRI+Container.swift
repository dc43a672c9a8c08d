extension CRI {
    /// Identifies a container inside its sandbox; `attempt` is its restart count.
    public struct ContainerMetadata: Sendable, Hashable {
        /// The container's name in the pod spec.
        public var name: String
        /// How many times this container was created before in the same sandbox.
        public var attempt: Int

        /// Creates metadata.
        public init(name: String, attempt: Int = 0) {
            self.name = name
            self.attempt = attempt
        }
    }

    /// What the kubelet asks for when it creates a container.
    public struct ContainerConfig: Sendable, Hashable {
        /// Name and attempt.
        public var metadata: ContainerMetadata
        /// The image to run (already pulled).
        public var image: ImageSpec
        /// Entrypoint override.
        public var command: [String]
        /// Arguments.
        public var args: [String]
        /// Environment as `NAME=value` pairs in order.
        public var environment: [(name: String, value: String)]
        /// Labels (the kubelet sets pod and container identity keys).
        public var labels: [String: String]
        /// Annotations (the kubelet records restart count and effective restart policy).
        public var annotations: [String: String]
        /// The working directory; empty keeps the image's.
        public var workingDir: String
        /// Volumes bind-mounted into the container, in the order the pod lists them.
        public var mounts: [Mount]
        /// The log file, relative to the sandbox's `logDirectory` (`NAME/ATTEMPT.log`).
        public var logPath: String
        /// Keep standard input open.
        public var stdin: Bool
        /// Close standard input after the first attach ends.
        public var stdinOnce: Bool
        /// Allocate a terminal.
        public var tty: Bool
        /// cgroup limits and shares.
        public var resources: LinuxResources
        /// User, capabilities, privileges, namespaces.
        public var security: LinuxSecurityContext

        /// Creates a configuration.
        public init(
            metadata: ContainerMetadata, image: ImageSpec, command: [String] = [], args: [String] = [],
            environment: [(name: String, value: String)] = [], labels: [String: String] = [:],
            annotations: [String: String] = [:], workingDir: String = "", mounts: [Mount] = [], logPath: String = "",
            stdin: Bool = false, stdinOnce: Bool = false, tty: Bool = false, resources: LinuxResources = LinuxResources(),
            security: LinuxSecurityContext = LinuxSecurityContext()
        ) {
            self.metadata = metadata
            self.image = image
            self.command = command
            self.args = args
            self.environment = environment
            self.labels = labels
            self.annotations = annotations
            self.workingDir = workingDir
            self.mounts = mounts
            self.logPath = logPath
            self.stdin = stdin
            self.stdinOnce = stdinOnce
            self.tty = tty
            self.resources = resources
            self.security = security
        }

        /// Equal when every field is equal.
        public static func == (lhs: ContainerConfig, rhs: ContainerConfig) -> Bool {
            lhs.metadata == rhs.metadata && lhs.image == rhs.image && lhs.command == rhs.command
                && lhs.args == rhs.args && lhs.labels == rhs.labels && lhs.annotations == rhs.annotations
                && lhs.environment.map(\.name) == rhs.environment.map(\.name)
                && lhs.environment.map(\.value) == rhs.environment.map(\.value)
                && lhs.workingDir == rhs.workingDir && lhs.mounts == rhs.mounts && lhs.logPath == rhs.logPath
                && lhs.stdin == rhs.stdin && lhs.stdinOnce == rhs.stdinOnce && lhs.tty == rhs.tty
                && lhs.resources == rhs.resources && lhs.security == rhs.security
        }

        /// Hashes the identifying fields.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(metadata)
            hasher.combine(image)
        }
    }

    /// The lifecycle state of a runtime container.
    public enum ContainerState: String, Sendable, Hashable {
        /// Created, not started yet.
        case created = "CONTAINER_CREATED"
        /// Its process runs.
        case running = "CONTAINER_RUNNING"
        /// Its process ended (by itself or because it was stopped).
        case exited = "CONTAINER_EXITED"
        /// The runtime lost track of it.
        case unknown = "CONTAINER_UNKNOWN"
    }

    /// A container as listed by `listContainers`.
    public struct Container: Sendable, Hashable {
        /// The runtime's identifier.
        public var id: String
        /// The sandbox it runs in.
        public var podSandboxID: String
        /// Name and attempt.
        public var metadata: ContainerMetadata
        /// The image as requested.
        public var image: ImageSpec
        /// The resolved image reference (`docker.io/library/nginx@sha256:...`).
        public var imageRef: String
        /// Lifecycle state.
        public var state: ContainerState
        /// Creation time, nanoseconds since the epoch.
        public var createdAt: Int64
        /// Labels given at creation.
        public var labels: [String: String]
        /// Annotations given at creation.
        public var annotations: [String: String]

        /// Creates a listing entry.
        public init(
            id: String, podSandboxID: String, metadata: ContainerMetadata, image: ImageSpec, imageRef: String,
            state: ContainerState, createdAt: Int64, labels: [String: String] = [:], annotations: [String: String] = [:]
        ) {
            self.id = id
            self.podSandboxID = podSandboxID
            self.metadata = metadata
            self.image = image
            self.imageRef = imageRef
            self.state = state
            self.createdAt = createdAt
            self.labels = labels
            self.annotations = annotations
        }
    }

    /// Detailed state of one container.
    public struct ContainerStatus: Sendable, Hashable {
        /// The container as a listing entry.
        public var container: Container
        /// Start time, nanoseconds since the epoch; 0 when never started.
        public var startedAt: Int64
        /// End time, nanoseconds since the epoch; 0 while not exited.
        public var finishedAt: Int64
        /// Exit code; meaningful when exited.
        public var exitCode: Int
        /// A short machine-readable reason for the exit (`Completed`, `Error`, `OOMKilled`).
        public var reason: String
        /// A human-readable message about the exit.
        public var message: String
        /// The container's log file (absolute), empty when it keeps none.
        public var logPath: String

        /// Creates a status.
        public init(
            container: Container, startedAt: Int64 = 0, finishedAt: Int64 = 0, exitCode: Int = 0,
            reason: String = "", message: String = "", logPath: String = ""
        ) {
            self.container = container
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.exitCode = exitCode
            self.reason = reason
            self.message = message
            self.logPath = logPath
        }
    }

    /// Narrows `listContainers`; every set field must match.
    public struct ContainerFilter: Sendable, Hashable {
        /// Only this container.
        public var id: String?
        /// Only containers in this sandbox.
        public var podSandboxID: String?
        /// Only containers in this state.
        public var state: ContainerState?
        /// Only containers whose labels include all of these.
        public var labels: [String: String]

        /// Creates a filter; the default matches everything.
        public init(id: String? = nil, podSandboxID: String? = nil, state: ContainerState? = nil, labels: [String: String] = [:]) {
            self.id = id
            self.podSandboxID = podSandboxID
            self.state = state
            self.labels = labels
        }
    }

    /// What happened to a container (CRI `GetContainerEvents`).
    public enum ContainerEventType: String, Sendable, Hashable {
        /// The container was created.
        case created = "CONTAINER_CREATED_EVENT"
        /// The container started.
        case started = "CONTAINER_STARTED_EVENT"
        /// The container's process ended.
        case stopped = "CONTAINER_STOPPED_EVENT"
        /// The container was removed.
        case deleted = "CONTAINER_DELETED_EVENT"
    }

    /// One container lifecycle event.
    public struct ContainerEvent: Sendable, Hashable {
        /// The container.
        public var containerID: String
        /// What happened.
        public var type: ContainerEventType
        /// When, nanoseconds since the epoch.
        public var createdAt: Int64
        /// The sandbox the container belongs to.
        public var podSandboxID: String
        /// The pod the container belongs to.
        public var pod: PodSandboxMetadata

        /// Creates an event.
        public init(containerID: String, type: ContainerEventType, createdAt: Int64, podSandboxID: String, pod: PodSandboxMetadata) {
            self.containerID = containerID
            self.type = type
            self.createdAt = createdAt
            self.podSandboxID = podSandboxID
            self.pod = pod
        }
    }
}
