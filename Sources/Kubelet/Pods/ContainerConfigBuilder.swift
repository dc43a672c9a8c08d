import KubeAPI

/// Builds the CRI configuration of one container of a pod from its spec, its resolved
/// environment and the pod's volumes. Pure: objects are resolved by ``ContainerEnvironment``
/// and volumes set up by the volume manager beforehand.
public struct ContainerConfigBuilder: Sendable {
    /// The pod.
    public var pod: CoreV1.Pod
    /// The node's memory capacity in bytes, for the OOM score of burstable containers (0: unknown).
    public var memoryCapacity: Int64

    /// Creates a builder for `pod`.
    public init(pod: CoreV1.Pod, memoryCapacity: Int64 = 0) {
        self.pod = pod
        self.memoryCapacity = memoryCapacity
    }

    /// The configuration of `container` for restart `attempt`.
    /// - Parameters:
    ///   - restartPolicy: the effective restart policy, recorded as an annotation.
    ///   - environment: the resolved environment; commands and arguments expand `$(VAR)` with it.
    ///   - volumes: the pod's volumes; `nil` when the node keeps none (hollow nodes): no mounts.
    ///   - terminationLog: the host file to mount at `terminationMessagePath`, if any.
    /// - Throws: ``PodConfigError`` for a mount of an unknown volume, a bad `subPath`, a
    ///   `Bidirectional` mount in an unprivileged container, or a `runAsNonRoot` violation.
    public func config(
        for container: CoreV1.Container, attempt: Int, isInit: Bool, restartPolicy: String, image: CRI.ImageSpec,
        environment: ContainerEnvironment, volumes: PodVolumes?, terminationLog: String? = nil
    ) throws(PodConfigError) -> CRI.ContainerConfig {
        let name = container.name ?? ""
        let env = environment.variables
        return CRI.ContainerConfig(
            metadata: CRI.ContainerMetadata(name: name, attempt: attempt), image: image,
            command: (container.command ?? []).map { VariableExpansion.expand($0, environment: env) },
            args: (container.args ?? []).map { VariableExpansion.expand($0, environment: env) },
            environment: env,
            labels: [
                ContainerAnnotations.podName: pod.metadata.name ?? "",
                ContainerAnnotations.podNamespace: pod.metadata.namespace ?? "",
                ContainerAnnotations.podUID: pod.metadata.uid ?? "",
                ContainerAnnotations.containerName: name,
            ],
            annotations: [
                ContainerAnnotations.restartCount: String(attempt),
                ContainerAnnotations.restartPolicy: restartPolicy,
                ContainerAnnotations.initContainer: isInit ? "true" : "false",
            ],
            workingDir: container.workingDir ?? "",
            mounts: try volumes.map { volumes throws(PodConfigError) in
                try mounts(for: container, volumes: volumes, environment: environment, terminationLog: terminationLog)
            } ?? [],
            logPath: "\(name)/\(attempt).log",
            stdin: container.stdin ?? false, stdinOnce: container.stdinOnce ?? false, tty: container.tty ?? false,
            resources: resources(of: container),
            security: try security(of: container))
    }

    /// The container's mounts: its `volumeMounts` in order (with `subPath`/`subPathExpr`,
    /// read-only and propagation), the pod's `/etc/hosts` unless the container mounts its own,
    /// and the termination-message file.
    public func mounts(
        for container: CoreV1.Container, volumes: PodVolumes, environment: ContainerEnvironment, terminationLog: String?
    ) throws(PodConfigError) -> [CRI.Mount] {
        let name = container.name ?? ""
        var mounts: [CRI.Mount] = []
        for mount in container.volumeMounts ?? [] {
            let volumeName = mount.name ?? ""
            guard let volume = volumes.volumes[volumeName] else {
                throw PodConfigError("cannot find volume \"\(volumeName)\" to mount into container \"\(name)\"")
            }
            var hostPath = volume.hostPath
            var subPath = mount.subPath ?? ""
            if let expression = mount.subPathExpr, !expression.isEmpty {
                subPath = VariableExpansion.expand(expression, environment: environment.variables)
            }
            if !subPath.isEmpty {
                let parts = subPath.split(separator: "/")
                guard !subPath.hasPrefix("/"), !parts.contains("..") else {
                    throw PodConfigError("subPath \"\(subPath)\" of volume \"\(volumeName)\" must be a relative path without '..'")
                }
                hostPath += "/" + parts.joined(separator: "/")
            }
            let propagation: CRI.MountPropagation
            switch mount.mountPropagation ?? "None" {
            case "HostToContainer": propagation = .hostToContainer
            case "Bidirectional":
                guard container.securityContext?.privileged == true else {
                    throw PodConfigError("Bidirectional mount propagation is available only to privileged containers (container \"\(name)\")")
                }
                propagation = .bidirectional
            default: propagation = .private
            }
            mounts.append(CRI.Mount(
                containerPath: mount.mountPath ?? "", hostPath: hostPath,
                readOnly: (mount.readOnly ?? false) || volume.readOnly, propagation: propagation))
        }
        if let hosts = volumes.hostsFile, !mounts.contains(where: { $0.containerPath == "/etc/hosts" }) {
            mounts.append(CRI.Mount(containerPath: "/etc/hosts", hostPath: hosts))
        }
        if let terminationLog {
            let path = container.terminationMessagePath ?? "/dev/termination-log"
            if !path.isEmpty { mounts.append(CRI.Mount(containerPath: path, hostPath: terminationLog)) }
        }
        return mounts
    }
}
