import Foundation
import Testing

/// The package's module seams, checked on the real `Package.swift` and every `import` under
/// `Sources/`, and the checker itself checked on deliberate violations.
@Suite struct ModuleSeamsTests {
    /// The package root (this file is `Tests/SeamsTests/ModuleSeamsTests.swift`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func manifest() throws -> [DeclaredTarget] {
        try ManifestParser.targets(in: String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8))
    }

    /// The imports of every Swift file of every non-test target, minus its `exclude:` paths.
    static func imports(of targets: [DeclaredTarget]) throws -> [SourceImport] {
        var result: [SourceImport] = []
        for target in targets where target.kind != "testTarget" {
            let directory = root.appendingPathComponent(target.sourceDirectory)
            guard let files = FileManager.default.enumerator(atPath: directory.path) else { continue }
            for case let relative as String in files where relative.hasSuffix(".swift") {
                if target.exclude.contains(where: { relative == $0 || relative.hasPrefix($0 + "/") }) { continue }
                let text = try String(contentsOf: directory.appendingPathComponent(relative), encoding: .utf8)
                result += SourceImport.scan(text, target: target.name, file: "\(target.sourceDirectory)/\(relative)")
            }
        }
        return result
    }

    @Test func thePackageKeepsItsSeams() throws {
        let targets = try Self.manifest()
        let imports = try Self.imports(of: targets)
        let violations = SeamRules.violations(targets: targets, imports: imports)
        #expect(violations.isEmpty, "\(violations.count) broken seams:\n\(violations.map(\.description).joined(separator: "\n"))")
    }

    /// Guards the check above against reading nothing: every folder under Sources/ is a
    /// declared target, and the graph read has the shape this package is known to have.
    @Test func theManifestIsReadWhole() throws {
        let targets = try Self.manifest()
        let names = Set(targets.map(\.name))
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path)
            .filter { !$0.hasPrefix(".") }
        for folder in folders {
            #expect(targets.contains { $0.sourceDirectory == "Sources/\(folder)" }, "Sources/\(folder) is no declared target")
        }
        #expect(names.isSuperset(of: ["KubeAPI", "KubeClient", "APIServer", "Datastore", "Controllers", "Scheduler", "Kubelet", "NetOverlay", "NodeJoinAPI", "Cluster", "CLI"]))
        let byName = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, $0) })
        #expect(byName["CLI"]?.isExecutable == true)
        #expect(byName["KubeAPI"]?.dependencies.contains("OrderedCollections") == true)
        #expect(byName["KubeAPIGenerator"]?.exclude == ["Reference"])
        let imports = try Self.imports(of: targets)
        #expect(imports.contains { $0.target == "Cluster" && $0.module == "APIServer" })
        #expect(imports.count > 100)
    }

    // MARK: - The checker, on deliberate violations

    static let sampleManifest = #"""
        // swift-tools-version: 6.1
        import PackageDescription

        let package = Package(
            name: "sample",
            products: [.executable(name: "k3s", targets: ["CLI"])],  // targets: here is not the list
            dependencies: [.package(url: "https://example.com/swift-log", from: "1.0.0")],
            targets: [
                .target(name: "KubeAPI"),
                .target(name: "Datastore", dependencies: [.product(name: "Logging", package: "swift-log")]),
                .target(name: "APIServer", dependencies: ["KubeAPI", "Datastore"]),
                .target(name: "NodeJoinAPI", dependencies: [.target(name: "KubeAPI")]),
                /* .target(name: "Commented", dependencies: ["Out"]), */
                .target(name: "Controllers", dependencies: ["KubeAPI", .byName(name: "Datastore")]),
                .target(name: "Cluster", dependencies: ["APIServer", "NodeJoinAPI"], path: "Sources/Cluster"),
                .executableTarget(name: "CLI", dependencies: ["Cluster"], exclude: ["Notes"]),
                .testTarget(name: "ClusterTests", dependencies: ["Cluster", "CLI"]),
            ]
        )
        """#

    @Test func theManifestParserReadsTargetsDependenciesAndPaths() throws {
        let targets = try ManifestParser.targets(in: Self.sampleManifest)
        #expect(targets.map(\.name) == ["KubeAPI", "Datastore", "APIServer", "NodeJoinAPI", "Controllers", "Cluster", "CLI", "ClusterTests"])
        let byName = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, $0) })
        #expect(byName["Datastore"]?.dependencies == ["Logging"])
        #expect(byName["NodeJoinAPI"]?.dependencies == ["KubeAPI"])
        #expect(byName["Controllers"]?.dependencies == ["KubeAPI", "Datastore"])
        #expect(byName["CLI"]?.kind == "executableTarget")
        #expect(byName["CLI"]?.exclude == ["Notes"])
        #expect(byName["ClusterTests"]?.sourceDirectory == "Tests/ClusterTests")
        #expect(byName["Cluster"]?.path == "Sources/Cluster")
    }

    @Test func aManifestItCannotReadFailsLoudly() {
        #expect(throws: ManifestParser.Failure.self) {
            try ManifestParser.targets(in: #"let package = Package(name: "x", targets: [.target(name: "A", dependencies: common)])"#)
        }
        #expect(throws: ManifestParser.Failure.self) { try ManifestParser.targets(in: #"let package = Package(name: "x")"#) }
    }

    @Test func theImportScannerSkipsCommentsAndStrings() {
        let source = #"""
            @preconcurrency import Dispatch
            @testable import APIServer
            public import struct KubeAPI.JSONValue
            import Foundation // trailing comment
            // import Commented
            /*
            import BlockCommented
            */
            let script = """
            import json
            """
            func important() {}
            """#
        let modules = SourceImport.scan(source, target: "T", file: "Sources/T/F.swift").map(\.module)
        #expect(modules == ["Dispatch", "APIServer", "KubeAPI", "Foundation"])
        #expect(SourceImport.scan("\n\nimport KubeClient", target: "T", file: "f").first?.line == 3)
    }

    @Test func everyRuleReportsItsDeliberateViolation() throws {
        let targets = try ManifestParser.targets(in: Self.sampleManifest)
        func imports(_ target: String, _ module: String, file: String? = nil) -> SourceImport {
            SourceImport(target: target, file: file ?? "Sources/\(target)/X.swift", line: 1, module: module)
        }
        let cases: [(SourceImport, SeamViolation.Rule)] = [
            (imports("Controllers", "Datastore"), .nodeSideReachesPastTheAPI),
            (imports("KubeAPI", "Datastore"), .kubeAPIImportsOurs),
            (imports("Cluster", "CLI"), .importsAnExecutable),
            (imports("Controllers", "Logging"), .undeclaredImport),
            (imports("Controllers", "OrderedCollections"), .undeclaredImport),
            (imports("Cluster", "APIServer", file: "Sources/Cluster/Join/NodeJoiner.swift"), .agentImportsTheServer),
            (imports("Cluster", "APIServer", file: "Sources/Cluster/Agent/Agent.swift"), .agentImportsTheServer),
        ]
        for (item, rule) in cases {
            let found = SeamRules.violations(targets: targets, imports: [item])
            #expect(found.contains(SeamViolation(rule: rule, at: item)), "\(item) should break \(rule), found \(found)")
        }
        #expect(Set(cases.map(\.1)) == Set(SeamViolation.Rule.allCases))

        // What the rules allow: declared imports, platform modules, the server side using the server.
        let allowed = [
            imports("Controllers", "KubeAPI"), imports("Controllers", "Foundation"), imports("Datastore", "Logging"),
            imports("Cluster", "APIServer", file: "Sources/Cluster/Server/Server.swift"), imports("Cluster", "NodeJoinAPI"),
            imports("APIServer", "Synchronization"),
        ]
        #expect(SeamRules.violations(targets: targets, imports: allowed).isEmpty)
    }
}
