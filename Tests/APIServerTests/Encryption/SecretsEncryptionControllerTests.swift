import Datastore
import KubeAPI
import Logging
import Synchronization
import Testing
@testable import APIServer

@Suite struct SecretsEncryptionControllerTests {
    /// A registry over an encrypting in-memory store, a controller, and what it persisted.
    final class Fixture: Sendable {
        let base: InMemoryDatastore
        let store: EncryptingDatastore
        let registry: ResourceRegistry
        let handler: ResourceHandler
        let controller: SecretsEncryptionController
        let persisted = Recorder()

        /// What the controller persisted, in order.
        final class Recorder: Sendable {
            let entries = Mutex<[(EncryptionConfiguration, SecretsEncryptionStage)]>([])
        }

        init(configuration: EncryptionConfiguration = .secretsAESCBC(keyName: "aescbckey", secret: [UInt8](repeating: 5, count: 32)),
             stage: SecretsEncryptionStage = .start, failPersist: Bool = false) async throws {
            base = InMemoryDatastore(compaction: .disabled)
            store = EncryptingDatastore(wrapping: base, encryption: StorageEncryption(configuration: configuration))
            registry = ResourceRegistry(datastore: store)
            try await registry.start()
            try await registry.ensureNamespaces(["default", "other"])
            handler = ResourceHandler(registry: registry)
            let persisted = self.persisted
            controller = SecretsEncryptionController(
                configuration: configuration, stage: stage, datastore: store, registry: registry,
                persist: { configuration, stage in
                    if failPersist { throw EncryptionError("disk full") }
                    persisted.entries.withLock { $0.append((configuration, stage)) }
                },
                logger: Logger(label: "test"))
        }

        func createSecret(_ name: String, namespace: String = "default", value: String) async -> Int {
            let body: JSONValue = [
                "apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string(name)],
                "data": ["password": .string(Base64.encode(Array(value.utf8)))],
            ]
            let response = await handler.handle(APIRequest(
                method: .post, path: "/api/v1/namespaces/\(namespace)/secrets", headers: [.contentType: "application/json"],
                body: body.serialized()))
            return response.status.code
        }

        func readSecret(_ name: String, namespace: String = "default") async -> JSONValue? {
            let response = await handler.handle(APIRequest(method: .get, path: "/api/v1/namespaces/\(namespace)/secrets/\(name)"))
            guard response.status.code == 200, case .bytes(let bytes) = response.body else { return nil }
            return try? JSONValue(parsing: bytes)
        }

        /// The raw stored values of every Secret, by key.
        func rawSecrets() async throws -> [String: [UInt8]] {
            let page = try await base.list(prefix: "/registry/secrets/", revision: nil, limit: nil, continueToken: nil)
            return Dictionary(uniqueKeysWithValues: page.items.map { ($0.key, $0.value) })
        }
    }

    static func password(_ secret: JSONValue?) -> String? {
        guard let encoded = secret?[path: "data", "password"]?.stringValue, let bytes = try? Base64.decode(encoded) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func prefix(_ name: String) -> [UInt8] { Array("k8s:enc:aescbc:v1:\(name):".utf8) }

    @Test func prepareRotateReencryptMovesEverySecretToTheNewKey() async throws {
        let fixture = try await Fixture()
        for index in 0..<25 {
            #expect(await fixture.createSecret("s\(index)", namespace: index % 2 == 0 ? "default" : "other", value: "pw-\(index)") == 201)
        }
        #expect(try await fixture.rawSecrets().values.allSatisfy { $0.starts(with: Self.prefix("aescbckey")) })

        // Stages are checked.
        let early = await #expect(throws: StatusError.self) { try await fixture.controller.handle(.init(action: .rotate)) }
        #expect(early?.message.contains("incorrect stage: start") == true)

        #expect(try await fixture.controller.handle(.init(action: .prepare)) == "prepare completed successfully")
        let prepared = await fixture.controller.status()
        #expect(prepared.stage == "prepare" && prepared.enabled == true)
        #expect(prepared.activeKey?.name == "aescbckey")
        let newName = try #require(prepared.inactiveKeys.first?.name)
        #expect(newName.hasPrefix("aescbckey-"))
        #expect(await fixture.createSecret("during-prepare", value: "pw-p") == 201)
        #expect(try await fixture.rawSecrets()["/registry/secrets/default/during-prepare"]?.starts(with: Self.prefix("aescbckey")) == true)

        #expect(try await fixture.controller.handle(.init(action: .rotate)) == "rotate completed successfully")
        #expect(await fixture.controller.status().activeKey?.name == newName)
        #expect(await fixture.createSecret("after-rotate", value: "pw-r") == 201)
        let afterRotate = try #require(await fixture.readSecret("after-rotate"))
        #expect(try await fixture.rawSecrets()["/registry/secrets/default/after-rotate"]?.starts(with: Self.prefix(newName)) == true)
        let before = try #require(await fixture.readSecret("s0"))

        #expect(try await fixture.controller.handle(.init(action: .reencrypt)) == "reencryption started")
        await fixture.controller.waitForReencryption()
        let finished = await fixture.controller.status()
        #expect(finished.stage == "reencrypt_finished")
        #expect(finished.activeKey?.name == newName && finished.inactiveKeys.isEmpty)
        let raw = try await fixture.rawSecrets()
        #expect(raw.count == 27)
        #expect(raw.values.allSatisfy { $0.starts(with: Self.prefix(newName)) })
        for index in 0..<25 {
            let secret = await fixture.readSecret("s\(index)", namespace: index % 2 == 0 ? "default" : "other")
            #expect(Self.password(secret) == "pw-\(index)")
        }
        // Rewritten objects get a new resourceVersion; one already under the active key is left alone.
        let after = try #require(await fixture.readSecret("s0"))
        #expect(after.metadataString("resourceVersion") != before.metadataString("resourceVersion"))
        #expect(after.metadataString("uid") == before.metadataString("uid"))
        #expect(await fixture.readSecret("after-rotate")?.metadataString("resourceVersion") == afterRotate.metadataString("resourceVersion"))

        // Disable: identity first, everything rewritten as plaintext, the key kept for reading.
        #expect(try await fixture.controller.handle(.init(action: .enable(false))) == "secrets-encryption disabled")
        await fixture.controller.waitForReencryption()
        let disabled = await fixture.controller.status()
        #expect(disabled.enabled == false && disabled.stage == "reencrypt_finished" && disabled.activeKey == nil)
        #expect(disabled.inactiveKeys.map(\.name) == [newName])
        #expect(try await fixture.rawSecrets().values.allSatisfy { !$0.starts(with: Array("k8s:enc:".utf8)) })
        #expect(await fixture.createSecret("while-disabled", value: "pw-d") == 201)
        #expect(try await fixture.rawSecrets()["/registry/secrets/default/while-disabled"]?.starts(with: Array("{".utf8)) == true)
        #expect(try await fixture.controller.handle(.init(action: .enable(false))) == "secrets-encryption already disabled")

        // rotate-keys from there: a fresh key, active, everything rewritten, the old key gone.
        #expect(try await fixture.controller.handle(.init(action: .enable(true))) == "secrets-encryption enabled")
        await fixture.controller.waitForReencryption()
        #expect(try await fixture.controller.handle(.init(action: .rotateKeys)) == "keys rotated, reencryption started")
        await fixture.controller.waitForReencryption()
        let rotated = await fixture.controller.status()
        let third = try #require(rotated.activeKey?.name)
        #expect(third != newName && rotated.inactiveKeys.isEmpty && rotated.stage == "reencrypt_finished")
        #expect(try await fixture.rawSecrets().values.allSatisfy { $0.starts(with: Self.prefix(third)) })
        #expect(Self.password(await fixture.readSecret("while-disabled")) == "pw-d")

        // What was persisted last is what is in force.
        let last = try #require(fixture.persisted.entries.withLock { $0.last })
        #expect(last.1 == .reencryptFinished)
        #expect(SecretsEncryptionStatus(configuration: last.0, stage: last.1) == rotated)
    }

    @Test func aReencryptionInterruptedByARestartIsResumedKeepingTheKeys() async throws {
        let old = EncryptionConfiguration.Key(name: "old", secret: [UInt8](repeating: 1, count: 32))
        let new = EncryptionConfiguration.Key(name: "new", secret: [UInt8](repeating: 2, count: 32))
        let fixture = try await Fixture(configuration: SecretsEncryptionPlan.configuration(keys: [old], enabled: true))
        for index in 0..<5 { #expect(await fixture.createSecret("s\(index)", value: "pw-\(index)") == 201) }
        // The next start: the new key active, the stage left at reencrypt_active.
        let rotated = SecretsEncryptionPlan.configuration(keys: [new, old], enabled: true)
        fixture.store.reload(StorageEncryption(configuration: rotated))
        let restarted = SecretsEncryptionController(
            configuration: rotated, stage: .reencryptActive, datastore: fixture.store, registry: fixture.registry,
            persist: { _, _ in }, logger: Logger(label: "test"))
        await restarted.resumeInterruptedReencryption()
        await restarted.waitForReencryption()
        let status = await restarted.status()
        #expect(status.stage == "reencrypt_finished" && status.activeKey?.name == "new" && status.inactiveKeys.map(\.name) == ["old"])
        #expect(try await fixture.rawSecrets().values.allSatisfy { $0.starts(with: Self.prefix("new")) })
        // Nothing to resume at other stages.
        await fixture.controller.resumeInterruptedReencryption()
        #expect(await fixture.controller.status().stage == "start")
    }

    @Test func aChangeThatCannotBeWrittenIsRefusedAndNotApplied() async throws {
        let fixture = try await Fixture(failPersist: true)
        let error = await #expect(throws: StatusError.self) { try await fixture.controller.handle(.init(action: .prepare)) }
        #expect(error?.message.contains("disk full") == true)
        let status = await fixture.controller.status()
        #expect(status.stage == "start" && status.inactiveKeys.isEmpty)
    }

    @Test func withoutConfigurationStatusSaysSoAndRequestsAreRefused() async throws {
        let base = InMemoryDatastore(compaction: .disabled)
        let registry = ResourceRegistry(datastore: base)
        let controller = SecretsEncryptionController(
            configuration: nil, stage: .start, datastore: nil, registry: registry, persist: { _, _ in }, logger: Logger(label: "test"))
        #expect(await controller.status().text() == "Encryption Status: Disabled, no configuration file found\n")
        let error = await #expect(throws: StatusError.self) { try await controller.handle(.init(action: .enable(true))) }
        #expect(error?.message.contains("--secrets-encryption") == true)
    }

    @Test func statusPrintsLikeK3s() throws {
        let status = SecretsEncryptionStatus(
            enabled: true, stage: "prepare", activeKey: .init(type: "AES-CBC", name: "aescbckey"),
            inactiveKeys: [.init(type: "AES-CBC", name: "aescbckey-2026-12-07T18:00:00Z")])
        #expect(status.text() == """
            Encryption Status: Enabled
            Current Rotation Stage: prepare
            Server Encryption Hashes: All hashes match

            Active  Key Type  Name
            ------  --------  ----
             *      AES-CBC   aescbckey
                    AES-CBC   aescbckey-2026-12-07T18:00:00Z

            """)
        #expect(try SecretsEncryptionStatus(json: status.json()) == status)
    }

    @Test func stateRecordsCarryTheStageAndTheFileHash() {
        let file = Array("{}".utf8)
        let record = SecretsEncryptionController.stateRecord(stage: .reencryptFinished, fileContent: file)
        #expect(record == "reencrypt_finished-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        #expect(SecretsEncryptionController.parseStateRecord(record + "\n", fileContent: file) == (.reencryptFinished, nil))
        #expect(SecretsEncryptionController.parseStateRecord(record, fileContent: Array("{ }".utf8)).hashError != nil)
        #expect(SecretsEncryptionController.parseStateRecord("garbage", fileContent: file).hashError != nil)
    }

    @Test func requestsDecodeK3sBodies() throws {
        #expect(try SecretsEncryptionRequest(json: Array(#"{"stage":"prepare","force":true}"#.utf8)) == .init(action: .prepare, force: true))
        #expect(try SecretsEncryptionRequest(json: Array(#"{"stage":"reencrypt_active","skip":true}"#.utf8)) == .init(action: .reencrypt, skip: true))
        #expect(try SecretsEncryptionRequest(json: Array(#"{"enable":false}"#.utf8)) == .init(action: .enable(false)))
        for action in [SecretsEncryptionRequest.Action.prepare, .rotate, .reencrypt, .rotateKeys, .enable(true)] {
            #expect(try SecretsEncryptionRequest(json: SecretsEncryptionRequest(action: action).json()).action == action)
        }
        #expect(throws: StatusError.self) { try SecretsEncryptionRequest(json: Array(#"{"stage":"explode"}"#.utf8)) }
        #expect(throws: StatusError.self) { try SecretsEncryptionRequest(json: Array("[]".utf8)) }
    }
}
