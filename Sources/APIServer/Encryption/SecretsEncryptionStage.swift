/// Where a key rotation stands, with K3s's names (kept in `encryption-state.json` and shown by
/// `k3s secrets-encrypt status`).
public enum SecretsEncryptionStage: String, Sendable, Hashable, CaseIterable {
    /// Encryption configured, no rotation under way.
    case start
    /// A new key was added behind the active one (it can decrypt, it does not encrypt yet).
    case prepare
    /// The new key became the active one; values under the old key still read.
    case rotate
    /// Re-encryption was asked for and has not started.
    case reencryptRequest = "reencrypt_request"
    /// Every stored Secret is being rewritten with the active provider.
    case reencryptActive = "reencrypt_active"
    /// Every Secret was rewritten (and the old key removed unless asked to keep it).
    case reencryptFinished = "reencrypt_finished"
}
