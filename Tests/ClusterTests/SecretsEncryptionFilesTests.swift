import APIServer
import Foundation
import Logging
import Testing
@testable import Cluster

@Suite struct SecretsEncryptionFilesTests {
    let logger = Logger(label: "test")

    @Test func theFlagAndTheConfigFileKeySetIt() throws {
        var options = ServerOptions()
        options.set("secrets-encryption", flag: true)
        #expect(try ServerConfiguration(options: options, host: testHost).secretsEncryption)
        #expect(try ServerConfiguration(options: ServerOptions(), host: testHost).secretsEncryption == false)
        let directory = try TemporaryDirectory()
        try directory.write("config.yaml", "secrets-encryption: true\n")
        let entries = try ServerConfigFile.read(path: directory.file("config.yaml"), mustExist: true)
        #expect(try ServerOptions.fromConfigFiles(entries, warn: { _ in }).bool("secrets-encryption"))
    }

    @Test func firstStartWithTheFlagWritesK3sFilesAndLaterStartsReadThem() throws {
        let directory = try TemporaryDirectory()
        let configuration = ServerConfiguration(dataDir: directory.path, host: testHost)
        #expect(configuration.encryptionConfigPath == directory.path + "/server/cred/encryption-config.json")
        let files = SecretsEncryptionFiles(configuration: configuration)
        #expect(try files.load(create: false, logger: logger) == nil)

        let created = try #require(try files.load(create: true, logger: logger))
        #expect(created.stage == .start && created.hashError == nil)
        #expect(created.configuration.rules.count == 1)
        let key = try #require(created.configuration.rules[0].providers.first?.keys.first)
        #expect(key.name == "aescbckey" && key.secret.count == 32)
        #expect(created.configuration.rules[0].providers.last == .identity)
        let mode = try FileManager.default.attributesOfItem(atPath: configuration.encryptionConfigPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let record = try String(contentsOfFile: configuration.encryptionStatePath, encoding: .utf8)
        #expect(record.hasPrefix("start-") && record.count == "start-".count + 64)

        // The same key comes back; a recorded stage is read with its hash checked.
        try files.persist(created.configuration, .prepare)
        let again = try #require(try files.load(create: true, logger: logger))
        #expect(again.configuration == created.configuration && again.stage == .prepare && again.hashError == nil)
        var edited = created.configuration
        edited.rules[0].resources = ["secrets", "configmaps"]
        try Data(edited.serialized()).write(to: URL(fileURLWithPath: configuration.encryptionConfigPath))
        #expect(try files.load(create: true, logger: logger)?.hashError != nil)
    }

    @Test func aBadFileIsAStartupErrorNamingIt() throws {
        let directory = try TemporaryDirectory()
        let configuration = ServerConfiguration(dataDir: directory.path, host: testHost)
        try directory.write("server/cred/encryption-config.json", #"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration"}"#)
        let error = #expect(throws: ServerStartError.self) {
            try SecretsEncryptionFiles(configuration: configuration).load(create: true, logger: logger)
        }
        #expect(error?.description.contains("encryption-config.json") == true)
        #expect(error?.description.contains("resources: at least one entry is required") == true)
    }
}
