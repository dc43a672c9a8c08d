import KubeAPI

/// K3s's rules for `k3s secrets-encrypt`, as pure functions of the configuration and the
/// stage: which request is allowed when, and what configuration and stage it leads to.
///
/// The configurations these manage are the ones K3s writes: one rule for `secrets` with an
/// `aescbc` provider (its keys, the active one first) and `identity`; `aescbc` first means
/// encryption is on, `identity` first that it is off (values still read under every key).
enum SecretsEncryptionPlan {
    /// What a request leads to.
    struct Outcome: Sendable, Hashable {
        /// The configuration to write and use.
        var configuration: EncryptionConfiguration
        /// The stage to record.
        var stage: SecretsEncryptionStage
        /// Set when every Secret must be rewritten next; `true` keeps the old key afterwards.
        var reencryptKeepingKeys: Bool?
        /// What to tell the user.
        var message: String
    }

    /// The name of the key `--secrets-encryption` creates.
    static let firstKeyName = "aescbckey"

    /// The keys and the on/off state of a configuration K3s manages.
    static func managed(_ configuration: EncryptionConfiguration) throws(StatusError) -> (keys: [EncryptionConfiguration.Key], enabled: Bool) {
        guard configuration.rules.count == 1, configuration.rules[0].resources == ["secrets"] else {
            throw StatusError.badRequest("the encryption configuration is not one k3s manages (a single rule for secrets); change it by hand")
        }
        let providers = configuration.rules[0].providers
        if providers.count == 2 {
            if case .aescbc(let keys) = providers[0], providers[1] == .identity { return (keys, true) }
            if providers[0] == .identity, case .aescbc(let keys) = providers[1] { return (keys, false) }
        }
        throw StatusError.badRequest("non-standard encryption keys found: k3s manages aescbc and identity providers only; change the configuration by hand")
    }

    /// The configuration K3s writes for `keys`, encrypting when `enabled`.
    static func configuration(keys: [EncryptionConfiguration.Key], enabled: Bool) -> EncryptionConfiguration {
        let providers: [EncryptionConfiguration.Provider] = enabled ? [.aescbc(keys: keys), .identity] : [.identity, .aescbc(keys: keys)]
        return EncryptionConfiguration(rules: [.init(resources: ["secrets"], providers: providers)])
    }

    /// Applies `request` at `stage`. `newKey` is the key `prepare` and `rotate-keys` add.
    ///
    /// - Throws: `StatusError` 400 when the request is not allowed at this stage (unless
    ///   forced) or the configuration is not one K3s manages.
    static func apply(
        _ request: SecretsEncryptionRequest, to configuration: EncryptionConfiguration, at stage: SecretsEncryptionStage,
        newKey: EncryptionConfiguration.Key
    ) throws(StatusError) -> Outcome {
        let idle: Set<SecretsEncryptionStage> = [.start, .reencryptFinished]
        func require(_ allowed: Set<SecretsEncryptionStage>, force: Bool) throws(StatusError) {
            guard force || allowed.contains(stage) else {
                let names = allowed.map(\.rawValue).sorted().joined(separator: " or ")
                throw StatusError.badRequest("incorrect stage: \(stage.rawValue) (this step needs \(names); --force skips the check)")
            }
        }
        switch request.action {
        case .prepare:
            try require(idle, force: request.force)
            let (keys, _) = try managed(configuration)
            return Outcome(configuration: Self.configuration(keys: keys + [newKey], enabled: true), stage: .prepare,
                           message: "prepare completed successfully")
        case .rotate:
            try require([.prepare], force: request.force)
            let (keys, _) = try managed(configuration)
            guard let newest = keys.last, keys.count > 1 else {
                throw StatusError.badRequest("there is no prepared key to rotate to: run prepare first")
            }
            return Outcome(configuration: Self.configuration(keys: [newest] + keys.dropLast(), enabled: true), stage: .rotate,
                           message: "rotate completed successfully")
        case .reencrypt:
            try require([.rotate], force: request.force)
            return Outcome(configuration: configuration, stage: .reencryptRequest, reencryptKeepingKeys: request.skip,
                           message: "reencryption started")
        case .rotateKeys:
            try require(idle, force: false)
            let (keys, _) = try managed(configuration)
            return Outcome(configuration: Self.configuration(keys: [newKey] + keys, enabled: true), stage: .reencryptRequest,
                           reencryptKeepingKeys: false, message: "keys rotated, reencryption started")
        case .enable(let on):
            let (keys, enabled) = try managed(configuration)
            if enabled == on {
                return Outcome(configuration: configuration, stage: stage, message: "secrets-encryption already \(on ? "enabled" : "disabled")")
            }
            return Outcome(configuration: Self.configuration(keys: keys, enabled: on), stage: .reencryptRequest,
                           reencryptKeepingKeys: true, message: "secrets-encryption \(on ? "enabled" : "disabled")")
        }
    }

    /// The configuration once re-encryption finished: without its last (oldest) key unless
    /// `keepingKeys`, the configuration is not one K3s manages, or it has a single key.
    static func afterReencryption(_ configuration: EncryptionConfiguration, keepingKeys: Bool) -> EncryptionConfiguration {
        guard !keepingKeys, let (keys, enabled) = try? managed(configuration), keys.count > 1 else { return configuration }
        return Self.configuration(keys: Array(keys.dropLast()), enabled: enabled)
    }
}
