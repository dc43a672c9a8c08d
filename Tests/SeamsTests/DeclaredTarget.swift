/// A target as `Package.swift` declares it: its name, kind, where its sources are, and the
/// modules it may import (the targets and product names in its `dependencies`).
struct DeclaredTarget: Hashable, Sendable {
    /// `target`, `executableTarget`, `testTarget`, `systemLibrary`, ...
    var kind: String
    /// The target's (and its module's) name.
    var name: String
    /// The names in `dependencies:`: targets of this package and products of others (a product
    /// is imported under its name here).
    var dependencies: Set<String>
    /// `path:` when given; otherwise `Sources/<name>` (`Tests/<name>` for test targets).
    var path: String?
    /// `exclude:` paths, relative to the target's folder.
    var exclude: [String]

    init(kind: String, name: String, dependencies: Set<String> = [], path: String? = nil, exclude: [String] = []) {
        self.kind = kind
        self.name = name
        self.dependencies = dependencies
        self.path = path
        self.exclude = exclude
    }

    /// Whether the target builds a program (nothing may import it).
    var isExecutable: Bool { kind == "executableTarget" }

    /// The folder of its sources, relative to the package root.
    var sourceDirectory: String { path ?? (kind == "testTarget" ? "Tests/\(name)" : "Sources/\(name)") }
}
