import KubeAPI
import Testing
@testable import APIServer

@Suite struct EncryptionConfigurationTests {
    static let key32 = Base64.encode([UInt8](repeating: 0xAB, count: 32))

    @Test func parsesTheFileK3sWrites() throws {
        let text = """
            {"kind":"EncryptionConfiguration","apiVersion":"apiserver.config.k8s.io/v1","resources":[{"resources":["secrets"],\
            "providers":[{"aescbc":{"keys":[{"name":"aescbckey","secret":"\(Self.key32)"}]}},{"identity":{}}]}]}
            """
        let configuration = try EncryptionConfiguration(parsing: Array(text.utf8))
        #expect(configuration == .secretsAESCBC(keyName: "aescbckey", secret: [UInt8](repeating: 0xAB, count: 32)))
        #expect(try EncryptionConfiguration(parsing: configuration.serialized()) == configuration)
        #expect(String(decoding: configuration.serialized(), as: UTF8.self) == text)
    }

    @Test func parsesUpstreamYAML() throws {
        let text = """
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
              - resources:
                  - secrets
                  - configmaps
                providers:
                  - aesgcm:
                      keys:
                        - name: key1
                          secret: \(Base64.encode([UInt8](repeating: 1, count: 16)))
                  - aescbc:
                      keys:
                        - name: key2
                          secret: \(Self.key32)
                  - identity: {}
              - resources: ["*.apps"]
                providers:
                  - identity: {}
            """
        let configuration = try EncryptionConfiguration(parsing: Array(text.utf8))
        #expect(configuration.rules.count == 2)
        #expect(configuration.rules[0].resources == ["secrets", "configmaps"])
        #expect(configuration.rules[0].providers.map(\.name) == ["aesgcm", "aescbc", "identity"])
        #expect(configuration.rules[0].providers[0].keys == [.init(name: "key1", secret: [UInt8](repeating: 1, count: 16))])
        #expect(configuration.rules[1].resources == ["*.apps"])
    }

    static let badFiles: [(String, String)] = [
        ("{ not: [closed", "not JSON or YAML"),
        ("just text", "the document must be an object"),
        (#"{"apiVersion":"v1","kind":"EncryptionConfiguration","resources":[]}"#, "apiVersion: must be"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"Pod","resources":[]}"#, "kind: must be"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[]}"#, "resources: at least one"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[]}]}"#,
         "resources[0].providers: at least one provider"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["Secrets"],"providers":[{"identity":{}}]}]}"#,
         "resources[0].resources[0]: must be"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"identity":{},"aescbc":{"keys":[]}}]}]}"#,
         "exactly one provider type"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"aescbc":{"keys":[{"name":"a","secret":"!!!"}]}}]}]}"#,
         "providers[0].aescbc.keys[0].secret: not valid base64"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"aescbc":{"keys":[{"name":"a","secret":"c2hvcnQ="}]}}]}]}"#,
         "must decode to 16, 24 or 32 bytes, not 5"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"aescbc":{"keys":[{"secret":"c2hvcnQ="}]}}]}]}"#,
         "keys[0].name: a key name is required"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"secretbox":{"keys":[{"name":"a","secret":"c2hvcnQ="}]}}]}]}"#,
         "providers[0].secretbox.keys[0].secret: must decode to 32 bytes, not 5"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"kms":{"name":"x"}}]}]}"#,
         "kms provider is not supported"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"rot13":{}}]}]}"#,
         "unknown provider type"),
        (#"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"identity":{}}]},{"resources":["secrets"],"providers":[{"identity":{}}]}]}"#,
         "\"secrets\" is named by an earlier entry"),
    ]

    @Test(arguments: badFiles)
    func aBadFileIsAClearError(file: String, expected: String) {
        let error = #expect(throws: EncryptionConfigurationError.self) { try EncryptionConfiguration(parsing: Array(file.utf8)) }
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.hasPrefix("invalid encryption configuration") == true)
    }

    @Test func duplicateKeyNamesWithinAProviderTypeAreRefused() {
        let key = #"{"name":"a","secret":"\#(Self.key32)"}"#
        let file = #"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"aescbc":{"keys":[\#(key)]}},{"aescbc":{"keys":[\#(key)]}}]}]}"#
        let error = #expect(throws: EncryptionConfigurationError.self) { try EncryptionConfiguration(parsing: Array(file.utf8)) }
        #expect(error?.description.contains("key name \"a\" is used twice") == true)
    }

    @Test func rulesResolveOntoStorageKeys() {
        let aes = EncryptionConfiguration.Provider.aescbc(keys: [.init(name: "k", secret: [UInt8](repeating: 3, count: 32))])
        let configuration = EncryptionConfiguration(rules: [
            .init(resources: ["secrets", "deployments.apps"], providers: [aes]),
            .init(resources: ["*.batch"], providers: [.identity, aes]),
            .init(resources: ["*."], providers: [aes]),
        ])
        let encryption = StorageEncryption(configuration: configuration, root: "/registry/", coreResources: ["configmaps", "pods"])
        #expect(encryption.transformer(forKey: "/registry/secrets/default/a")?.writesPlaintext == false)
        #expect(encryption.transformer(forKey: "/registry/apps/deployments/default/web")?.writesPlaintext == false)
        #expect(encryption.transformer(forKey: "/registry/apps/replicasets/default/web") == nil)
        #expect(encryption.transformer(forKey: "/registry/batch/jobs/default/j")?.writesPlaintext == true)
        #expect(encryption.transformer(forKey: "/registry/configmaps/default/c") != nil)
        #expect(encryption.transformer(forKey: "/registry/secretsx/default/a") == nil)
        #expect(encryption.transformer(forKey: "/registry/namespaces/default") == nil)
        let everything = StorageEncryption(configuration: .init(rules: [.init(resources: ["*.*"], providers: [aes])]))
        #expect(everything.transformer(forKey: "/registry/namespaces/default") != nil)
        #expect(StorageEncryption.none.transformer(forKey: "/registry/secrets/default/a") == nil)
    }
}
