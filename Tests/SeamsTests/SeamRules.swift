/// The module seams of this package as a pure function of what `Package.swift` declares and
/// what the sources import.
enum SeamRules {
    /// Modules of the toolchain and the system, importable without a declaration.
    static let platformModules: Set<String> = [
        "Swift", "_Concurrency", "_StringProcessing", "RegexBuilder", "Synchronization", "Observation", "Distributed",
        "Foundation", "FoundationEssentials", "FoundationInternationalization", "FoundationNetworking", "FoundationXML",
        "Dispatch", "Darwin", "Glibc", "Musl", "Android", "WinSDK", "ucrt", "CRT", "os", "Testing", "XCTest",
    ]
    /// Targets that must reach the cluster through the API only.
    static let nodeSide: Set<String> = [
        "Controllers", "Scheduler", "Kubelet", "NetOverlay", "ClusterDNS", "ServiceProxy", "NFTables", "NetworkPolicy", "IngressProxy",
    ]
    /// What the node side must not import.
    static let serverInternals: Set<String> = ["Datastore", "APIServer"]
    /// Files of the joining side (prefixes, relative to the package root).
    static let agentSideFiles = ["Sources/Cluster/Agent/", "Sources/Cluster/Join/NodeJoiner.swift"]

    /// Every import that breaks a rule, in the order of `imports`.
    static func violations(targets: [DeclaredTarget], imports: [SourceImport]) -> [SeamViolation] {
        let byName = Dictionary(targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var result: [SeamViolation] = []
        for item in imports {
            let ours = byName[item.module]
            if nodeSide.contains(item.target), serverInternals.contains(item.module) {
                result.append(SeamViolation(rule: .nodeSideReachesPastTheAPI, at: item))
            }
            if item.target == "KubeAPI", ours != nil, item.module != "KubeAPI" {
                result.append(SeamViolation(rule: .kubeAPIImportsOurs, at: item))
            }
            if ours?.isExecutable == true {
                result.append(SeamViolation(rule: .importsAnExecutable, at: item))
            }
            if item.module == "APIServer", agentSideFiles.contains(where: { item.file.hasPrefix($0) }) {
                result.append(SeamViolation(rule: .agentImportsTheServer, at: item))
            }
            let declared = byName[item.target]?.dependencies ?? []
            if item.module != item.target, !platformModules.contains(item.module), !declared.contains(item.module) {
                result.append(SeamViolation(rule: .undeclaredImport, at: item))
            }
        }
        return result
    }
}
