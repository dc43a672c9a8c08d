extension CRI {
    /// What to run in a container for `kubectl exec` (CRI `ExecRequest`).
    public struct ExecRequest: Sendable, Hashable {
        /// The container.
        public var containerID: String
        /// The command and its arguments.
        public var command: [String]
        /// Allocate a terminal.
        public var tty: Bool
        /// Stream standard input.
        public var stdin: Bool
        /// Stream standard output.
        public var stdout: Bool
        /// Stream standard error (always false with a terminal).
        public var stderr: Bool

        /// Creates a request.
        public init(containerID: String, command: [String], tty: Bool = false, stdin: Bool = false, stdout: Bool = true, stderr: Bool = true) {
            self.containerID = containerID
            self.command = command
            self.tty = tty
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Which streams of a running container's main process to attach to (CRI `AttachRequest`).
    public struct AttachRequest: Sendable, Hashable {
        /// The container.
        public var containerID: String
        /// The container has a terminal.
        public var tty: Bool
        /// Stream standard input.
        public var stdin: Bool
        /// Stream standard output.
        public var stdout: Bool
        /// Stream standard error.
        public var stderr: Bool

        /// Creates a request.
        public init(containerID: String, tty: Bool = false, stdin: Bool = false, stdout: Bool = true, stderr: Bool = true) {
            self.containerID = containerID
            self.tty = tty
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// The result of a command run to completion in a container (CRI `ExecSyncResponse`): exec
    /// probes and lifecycle hooks.
    public struct ExecSyncResult: Sendable, Hashable {
        /// What it wrote to standard output.
        public var stdout: [UInt8]
        /// What it wrote to standard error.
        public var stderr: [UInt8]
        /// Its exit code.
        public var exitCode: Int

        /// Creates a result.
        public init(stdout: [UInt8] = [], stderr: [UInt8] = [], exitCode: Int = 0) {
            self.stdout = stdout
            self.stderr = stderr
            self.exitCode = exitCode
        }
    }

    /// Resource usage of one container (CRI `ContainerStats`), for `/stats/summary`,
    /// `/metrics/resource` and `kubectl top`.
    public struct ContainerStats: Sendable, Hashable {
        /// The container.
        public var containerID: String
        /// Its sandbox.
        public var podSandboxID: String
        /// Its name and attempt.
        public var metadata: ContainerMetadata
        /// When the figures were taken, nanoseconds since the epoch.
        public var timestamp: Int64
        /// Cumulative CPU time used, nanoseconds.
        public var cpuUsageCoreNanoseconds: UInt64
        /// Working-set memory in bytes (usage minus inactive file pages).
        public var memoryWorkingSetBytes: UInt64
        /// Bytes the container's writable layer uses.
        public var writableLayerBytes: UInt64

        /// Creates figures.
        public init(
            containerID: String, podSandboxID: String, metadata: ContainerMetadata, timestamp: Int64,
            cpuUsageCoreNanoseconds: UInt64 = 0, memoryWorkingSetBytes: UInt64 = 0, writableLayerBytes: UInt64 = 0
        ) {
            self.containerID = containerID
            self.podSandboxID = podSandboxID
            self.metadata = metadata
            self.timestamp = timestamp
            self.cpuUsageCoreNanoseconds = cpuUsageCoreNanoseconds
            self.memoryWorkingSetBytes = memoryWorkingSetBytes
            self.writableLayerBytes = writableLayerBytes
        }
    }
}
