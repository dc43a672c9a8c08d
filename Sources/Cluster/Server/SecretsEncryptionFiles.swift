import APIServer
import Logging

/// The encryption-at-rest files of a server, under K3s's names in `DATA_DIR/server/cred/`:
/// `encryption-config.json` (the `EncryptionConfiguration`, mode 0600) and
/// `encryption-state.json` (the key-rotation stage, `<stage>-<sha256 of the config file>`).
struct SecretsEncryptionFiles: Sendable {
    /// What a starting server found (or created).
    struct Loaded: Sendable {
        var configuration: EncryptionConfiguration
        var stage: SecretsEncryptionStage
        /// Why the recorded stage does not belong to this configuration file, if it does not.
        var hashError: String?
    }

    let configPath: String
    let statePath: String

    init(configuration: ServerConfiguration) {
        configPath = configuration.encryptionConfigPath
        statePath = configuration.encryptionStatePath
    }

    /// Reads the configuration; with `create` (`--secrets-encryption`) and no file, generates
    /// a 32-byte key named `aescbckey` and writes the file K3s writes. `nil`: no encryption.
    ///
    /// A file that exists is used even without the flag, so Secrets it encrypted stay readable.
    ///
    /// - Throws: ``ServerStartError`` naming the file and what is wrong with it.
    func load(create: Bool, logger: Logger) throws(ServerStartError) -> Loaded? {
        let content: [UInt8]?
        do {
            content = try FileSystem.readFile(configPath)
        } catch {
            throw ServerStartError(description: "cannot read the secrets encryption configuration: \(error)")
        }
        guard let content else {
            guard create else { return nil }
            let configuration = EncryptionConfiguration.secretsAESCBC(
                keyName: "aescbckey", secret: SecretsEncryptionController.generateKey(name: "aescbckey").secret)
            do {
                try persist(configuration, .start)
            } catch {
                throw ServerStartError(description: "cannot write the secrets encryption configuration: \(error)")
            }
            logger.notice("secrets encryption configured with a new AES-CBC key", metadata: ["file": "\(configPath)"])
            return Loaded(configuration: configuration, stage: .start)
        }
        let configuration: EncryptionConfiguration
        do {
            configuration = try EncryptionConfiguration(parsing: content)
        } catch {
            throw ServerStartError(description: "\(configPath): \(error)")
        }
        if !create {
            logger.warning("using the secrets encryption configuration found although --secrets-encryption is not set", metadata: ["file": "\(configPath)"])
        }
        let record: String?
        do {
            record = try FileSystem.readTextFile(statePath)
        } catch {
            throw ServerStartError(description: "cannot read the secrets encryption state: \(error)")
        }
        guard let record else { return Loaded(configuration: configuration, stage: .start) }
        let (stage, hashError) = SecretsEncryptionController.parseStateRecord(record, fileContent: content)
        if let hashError { logger.warning("secrets encryption state: \(hashError)", metadata: ["file": "\(statePath)"]) }
        return Loaded(configuration: configuration, stage: stage, hashError: hashError)
    }

    /// Writes the configuration (mode 0600) and then the stage record, each atomically.
    func persist(_ configuration: EncryptionConfiguration, _ stage: SecretsEncryptionStage) throws(FileSystemError) {
        let content = configuration.serialized()
        try FileSystem.makeDirectories(FileSystem.parentDirectory(of: configPath), mode: 0o700)
        try FileSystem.writeFile(content, to: configPath, mode: 0o600)
        try FileSystem.writeFile(SecretsEncryptionController.stateRecord(stage: stage, fileContent: content), to: statePath, mode: 0o600)
    }
}
