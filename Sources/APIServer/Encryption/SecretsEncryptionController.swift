import Crypto
import KubeAPI
import Logging

/// Runs `k3s secrets-encrypt` on a server: keeps the encryption configuration and the rotation
/// stage, applies requests (K3s's stages, see ``SecretsEncryptionPlan``) by writing the new
/// configuration through `persist` and then installing it in the ``EncryptingDatastore``
/// (no restart needed), and re-encrypts: rewrites every stored object of the encrypted
/// resources through the registry's update path, where a stored value not under the first
/// provider is written again even though the object is unchanged.
///
/// Re-encryption runs in the background (status shows `reencrypt_active`, then
/// `reencrypt_finished`); ``waitForReencryption()`` awaits it.
public actor SecretsEncryptionController {
    /// Writes the configuration file and records the stage; throws to refuse the change.
    public typealias Persist = @Sendable (EncryptionConfiguration, SecretsEncryptionStage) throws -> Void

    private let datastore: EncryptingDatastore?
    private let registry: ResourceRegistry
    private let persist: Persist
    private let logger: Logger
    private var configuration: EncryptionConfiguration?
    private var stage: SecretsEncryptionStage
    private var hashError: String?
    private var worker: Task<Void, Never>?

    /// Creates the controller. `datastore` is `nil` (and `configuration` too) when the server
    /// runs without encryption configured; `hashError` says the recorded state did not belong
    /// to the configuration file found.
    public init(
        configuration: EncryptionConfiguration?, stage: SecretsEncryptionStage, hashError: String? = nil,
        datastore: EncryptingDatastore?, registry: ResourceRegistry, persist: @escaping Persist, logger: Logger
    ) {
        self.configuration = configuration
        self.stage = stage
        self.hashError = hashError
        self.datastore = datastore
        self.registry = registry
        self.persist = persist
        self.logger = logger
    }

    /// A new random 32-byte AES key.
    public static func generateKey(name: String) -> EncryptionConfiguration.Key {
        EncryptionConfiguration.Key(name: name, secret: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// What is recorded in `encryption-state.json` for `stage` and a configuration file with
    /// `fileContent`: K3s's `<stage>-<sha256 of the file, hex>`.
    public static func stateRecord(stage: SecretsEncryptionStage, fileContent: [UInt8]) -> String {
        stage.rawValue + "-" + SHA256.hash(data: fileContent).lowercaseHex
    }

    /// Reads a state record back: the stage, and `nil` or why it does not match `fileContent`.
    public static func parseStateRecord(_ record: String, fileContent: [UInt8]) -> (stage: SecretsEncryptionStage, hashError: String?) {
        let text = String(record.filter { !$0.isWhitespace })
        guard let dash = text.lastIndex(of: "-"), let stage = SecretsEncryptionStage(rawValue: String(text[..<dash])) else {
            return (.start, "invalid encryption state record \"\(text)\"")
        }
        let expected = stateRecord(stage: stage, fileContent: fileContent)
        return (stage, expected == text ? nil : "the encryption configuration changed since stage \(stage.rawValue) was recorded")
    }

    /// The current status.
    public func status() -> SecretsEncryptionStatus {
        SecretsEncryptionStatus(configuration: configuration, stage: stage, hashError: hashError)
    }

    /// Applies a request; returns the message for the user.
    ///
    /// - Throws: `StatusError` 400 when encryption is not configured, the stage does not allow
    ///   the step, or the configuration cannot be written; 409 while a re-encryption runs.
    public func handle(_ request: SecretsEncryptionRequest) async throws(StatusError) -> String {
        guard let configuration, let datastore else {
            throw StatusError.badRequest("secrets encryption is not configured: start the server with --secrets-encryption")
        }
        if worker != nil {
            throw StatusError(code: 409, reason: .conflict, message: "a re-encryption is in progress (stage \(stage.rawValue)); wait for reencrypt_finished")
        }
        // K3s names keys by the second; two in one second get a suffix (a name is a prefix:
        // two keys of one name would each try to open the other's values).
        let taken = Set(configuration.rules.flatMap { $0.providers.flatMap(\.keys) }.map(\.name))
        var name = "\(SecretsEncryptionPlan.firstKeyName)-\(Time.now())"
        var suffix = 1
        while taken.contains(name) {
            suffix += 1
            name = "\(SecretsEncryptionPlan.firstKeyName)-\(Time.now())-\(suffix)"
        }
        let newKey = Self.generateKey(name: name)
        let outcome = try SecretsEncryptionPlan.apply(request, to: configuration, at: stage, newKey: newKey)
        if outcome.configuration != configuration || outcome.stage != stage {
            try install(outcome.configuration, stage: outcome.stage, into: datastore)
            logger.notice("secrets encryption changed", metadata: [
                "stage": "\(outcome.stage.rawValue)", "active": "\(status().activeKey?.name ?? "none (identity)")",
            ])
        }
        if let keepingKeys = outcome.reencryptKeepingKeys {
            worker = Task { await self.reencrypt(keepingKeys: keepingKeys, datastore: datastore) }
        }
        return outcome.message
    }

    /// Restarts a re-encryption a previous run of the server did not finish (its stage is
    /// still `reencrypt_request` or `reencrypt_active`), keeping every key. Call once the
    /// registry has loaded.
    public func resumeInterruptedReencryption() {
        guard worker == nil, stage == .reencryptRequest || stage == .reencryptActive, configuration != nil, let datastore else { return }
        logger.notice("resuming an interrupted re-encryption", metadata: ["stage": "\(stage.rawValue)"])
        worker = Task { await self.reencrypt(keepingKeys: true, datastore: datastore) }
    }

    /// Returns once no re-encryption is running.
    public func waitForReencryption() async {
        while let worker {
            await worker.value
        }
    }

    /// Stops a running re-encryption (server shutdown); its stage stays recorded and the next
    /// start resumes it.
    public func shutdown() {
        worker?.cancel()
    }

    /// Writes, then installs, a configuration and stage.
    private func install(_ configuration: EncryptionConfiguration, stage: SecretsEncryptionStage, into datastore: EncryptingDatastore) throws(StatusError) {
        do {
            try persist(configuration, stage)
        } catch {
            throw StatusError.internalError("cannot write the encryption configuration: \(error)")
        }
        self.configuration = configuration
        self.stage = stage
        hashError = nil
        datastore.reload(StorageEncryption(configuration: configuration, root: datastore.keyPrefix, coreResources: coreResources()))
    }

    private func coreResources() -> [String] {
        Array(Set(registry.descriptors.filter { $0.group.isEmpty }.map(\.resource))).sorted()
    }

    /// The background step: rewrites everything, then drops the old key.
    private func reencrypt(keepingKeys: Bool, datastore: EncryptingDatastore) async {
        let before = stage
        defer { worker = nil }
        guard let configuration else { return }
        do {
            try install(configuration, stage: .reencryptActive, into: datastore)
            let (total, rewritten, revision) = try await rewriteAll(using: datastore.current)
            // The watch cache must have applied every rewrite (its events carry the old values,
            // which only the old key opens) before that key goes.
            _ = await registry.cache.waitFor(revision: revision, timeout: .seconds(60))
            try Task.checkCancellation()
            let finished = SecretsEncryptionPlan.afterReencryption(configuration, keepingKeys: keepingKeys)
            try install(finished, stage: .reencryptFinished, into: datastore)
            logger.notice("re-encryption finished", metadata: ["objects": "\(total)", "rewritten": "\(rewritten)"])
        } catch is CancellationError {
            logger.notice("re-encryption stopped; the next start resumes it")
        } catch {
            logger.error("re-encryption failed; run it again (k3s secrets-encrypt reencrypt --force)", metadata: ["error": "\(error)"])
            try? install(configuration, stage: before, into: datastore)
        }
    }

    /// Rewrites every stored object of the resources `encryption` covers. Returns how many
    /// objects there were, how many were written (the others were already under the first
    /// provider), and the last revision written.
    private func rewriteAll(using encryption: StorageEncryption) async throws -> (total: Int, rewritten: Int, revision: Int64) {
        var seen: Set<String> = []
        var total = 0
        var rewritten = 0
        var revision: Int64 = 0
        for descriptor in registry.descriptors {
            guard let store = registry.store(group: descriptor.group, version: descriptor.version, resource: descriptor.resource),
                  seen.insert(store.keys.resourcePrefix).inserted,
                  encryption.transformer(forKey: store.keys.resourcePrefix) != nil
            else { continue }
            let page = try await store.list(filter: ListFilter())
            for object in page.objects {
                try Task.checkCancellation()
                do {
                    let (written, _) = try await store.guaranteedUpdate(namespace: object.namespace, name: object.name) { current in
                        guard var current else { throw StatusError.notFound(store.groupResource, name: object.name) }
                        current.updateMetadata { $0.removeValue(forKey: "resourceVersion") }
                        return current
                    }
                    total += 1
                    if written.revision > object.revision {
                        rewritten += 1
                        revision = max(revision, written.revision)
                    }
                } catch let error as StatusError where error.code == 404 {
                    continue  // deleted meanwhile
                }
            }
        }
        return (total, rewritten, revision)
    }
}
