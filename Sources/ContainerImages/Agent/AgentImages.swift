import Logging

/// What an agent does about images at start, in K3s's order, once its containerd answers:
/// render `registries.yaml` into the hosts directory, import the project's pause image (unless
/// `--pause-image` names another one) and import every archive in `DATA_DIR/agent/images/`.
///
/// Nothing here stops the agent: problems are logged and returned in the ``Report``.
public struct AgentImages: Sendable {
    /// The agent's data directory (`DATA_DIR`).
    public var dataDirectory: String
    /// containerd's socket.
    public var containerdAddress: String
    /// The sandbox image the kubelet will use: ``PauseImage/defaultName`` unless `--pause-image`
    /// gave another.
    public var pauseImage: String
    /// The registries file (`/etc/rancher/k3s/registries.yaml` unless `--private-registry`).
    public var registriesPath: String
    /// Where `k3s-pause` is, when not next to the running executable.
    public var pauseBinaryPath: String?
    /// The `ctr` program.
    public var ctrPath: String
    /// The containerd namespace images go to (the CRI plugin's, `k8s.io`).
    public var namespace = "k8s.io"
    /// Where progress and problems are logged.
    public var logger: Logger

    /// Creates the start-up steps for an agent.
    public init(
        dataDirectory: String, containerdAddress: String, pauseImage: String = PauseImage.defaultName,
        registriesPath: String = RegistriesConfiguration.defaultPath, pauseBinaryPath: String? = nil, ctrPath: String = "ctr",
        logger: Logger
    ) {
        self.dataDirectory = dataDirectory
        self.containerdAddress = containerdAddress
        self.pauseImage = pauseImage
        self.registriesPath = registriesPath
        self.pauseBinaryPath = pauseBinaryPath
        self.ctrPath = ctrPath
        self.logger = logger
    }

    /// The archives directory, `DATA_DIR/agent/images`.
    public var imagesDirectory: String { dataDirectory + "/agent/images" }
    /// containerd's registry hosts directory (its CRI `registry.config_path`),
    /// `DATA_DIR/agent/etc/containerd/certs.d`.
    public var hostsDirectory: String { Self.hostsDirectory(dataDirectory: dataDirectory) }

    /// `DATA_DIR/agent/etc/containerd/certs.d`, for the writer of containerd's `config.toml`.
    public static func hostsDirectory(dataDirectory: String) -> String {
        dataDirectory + "/agent/etc/containerd/certs.d"
    }

    /// What the start-up steps did.
    public struct Report: Sendable {
        /// The rendered registry configuration, or `nil` when the file could not be used.
        public var registries: ContainerdHostsDirectory.Rendered?
        /// Why the registries file could not be used, if so.
        public var registriesError: String?
        /// The pause image's import, or `nil` when `--pause-image` named another image.
        public var pauseImage: ImageImportResult?
        /// One result per archive in the images directory.
        public var archives: [ImageImportResult]
    }

    /// Writes the hosts directory from the registries file. Run it before containerd starts
    /// (containerd reads the hosts files at each pull, so a later run also takes effect).
    public func writeRegistries() -> (ContainerdHostsDirectory.Rendered?, String?) {
        do {
            let configuration = try RegistriesConfiguration.load(path: registriesPath)
            let rendered = try ContainerdHostsDirectory.write(configuration, to: hostsDirectory)
            for warning in rendered.warnings { logger.warning("\(warning)") }
            if !configuration.isEmpty {
                logger.info("wrote registry hosts", metadata: [
                    "from": "\(registriesPath)", "hosts": "\(rendered.files.keys.sorted().joined(separator: ","))",
                ])
            }
            return (rendered, nil)
        } catch {
            logger.error("registries configuration not used: \(error)")
            return (nil, "\(error)")
        }
    }

    /// Imports the pause image (when it is the project's) and the archives directory.
    public func importImages() async -> (pause: ImageImportResult?, archives: [ImageImportResult]) {
        let importer = ImageArchiveImporter(address: containerdAddress, namespace: namespace, ctrPath: ctrPath, logger: logger)
        var pause: ImageImportResult?
        if pauseImage == PauseImage.defaultName {
            pause = await importer.importPauseImage(name: pauseImage, binaryPath: pauseBinaryPath)
        }
        let archives = await importer.importDirectory(imagesDirectory)
        return (pause, archives)
    }

    /// Runs every step: registries, then the imports.
    public func run() async -> Report {
        let (rendered, registriesError) = writeRegistries()
        let (pause, archives) = await importImages()
        return Report(registries: rendered, registriesError: registriesError, pauseImage: pause, archives: archives)
    }
}
