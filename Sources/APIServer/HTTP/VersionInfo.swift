import KubeAPI

/// What `GET /version` reports: the Kubernetes version this server speaks and how it was built,
/// in the field order of the API server's `version.Info`.
public struct VersionInfo: Sendable, Hashable {
    /// The major version (`1`).
    public var major: String
    /// The minor version (`36`).
    public var minor: String
    /// The version this server emulates, major part.
    public var emulationMajor: String
    /// The version this server emulates, minor part.
    public var emulationMinor: String
    /// The oldest version this server stays compatible with, major part.
    public var minCompatibilityMajor: String
    /// The oldest version this server stays compatible with, minor part.
    public var minCompatibilityMinor: String
    /// The full version (`v1.36.2+k3s-swift`).
    public var gitVersion: String
    /// The source commit; empty when unknown (a server embedded in another program). The `k3s`
    /// binary is stamped at build time (see `scripts/build-stamp.sh`).
    public var gitCommit: String
    /// `clean` or `dirty`; empty when unknown.
    public var gitTreeState: String
    /// The build time, RFC 3339 (`2026-11-29T01:57:44Z`); empty when unknown.
    public var buildDate: String
    /// The toolchain version (the field is named for Go upstream; here the Swift version).
    public var goVersion: String
    /// The compiler (`swiftc`).
    public var compiler: String
    /// `os/arch` (`linux/amd64`).
    public var platform: String

    /// Creates version information; the defaults describe this version of k3s-swift, with the
    /// build facts (commit, tree state, date) unknown until the caller supplies them.
    public init(
        major: String = "1",
        minor: String = "36",
        emulationMajor: String = "1",
        emulationMinor: String = "36",
        minCompatibilityMajor: String = "1",
        minCompatibilityMinor: String = "35",
        gitVersion: String = "v1.36.2+k3s-swift",
        gitCommit: String = "",
        gitTreeState: String = "",
        buildDate: String = "",
        goVersion: String = VersionInfo.swiftVersion,
        compiler: String = "swiftc",
        platform: String = VersionInfo.currentPlatform
    ) {
        self.major = major
        self.minor = minor
        self.emulationMajor = emulationMajor
        self.emulationMinor = emulationMinor
        self.minCompatibilityMajor = minCompatibilityMajor
        self.minCompatibilityMinor = minCompatibilityMinor
        self.gitVersion = gitVersion
        self.gitCommit = gitCommit
        self.gitTreeState = gitTreeState
        self.buildDate = buildDate
        self.goVersion = goVersion
        self.compiler = compiler
        self.platform = platform
    }

    /// The Swift language version the binary was compiled with (`swift6.3`).
    public static var swiftVersion: String {
        #if compiler(>=6.5)
        return "swift6.5"
        #elseif compiler(>=6.4)
        return "swift6.4"
        #elseif compiler(>=6.3)
        return "swift6.3"
        #elseif compiler(>=6.2)
        return "swift6.2"
        #else
        return "swift6"
        #endif
    }

    /// `os/arch` of the running binary, in Go's names (`linux/amd64`, `linux/arm64`).
    public static var currentPlatform: String {
        #if os(Linux)
        let os = "linux"
        #elseif os(macOS)
        let os = "darwin"
        #else
        let os = "unknown"
        #endif
        #if arch(x86_64)
        let arch = "amd64"
        #elseif arch(arm64)
        let arch = "arm64"
        #else
        let arch = "unknown"
        #endif
        return "\(os)/\(arch)"
    }

    /// The JSON document, indented with two spaces like the API server's answer.
    public func json() -> [UInt8] {
        let fields: [(String, String)] = [
            ("major", major), ("minor", minor),
            ("emulationMajor", emulationMajor), ("emulationMinor", emulationMinor),
            ("minCompatibilityMajor", minCompatibilityMajor), ("minCompatibilityMinor", minCompatibilityMinor),
            ("gitVersion", gitVersion), ("gitCommit", gitCommit), ("gitTreeState", gitTreeState),
            ("buildDate", buildDate), ("goVersion", goVersion), ("compiler", compiler), ("platform", platform),
        ]
        var out: [UInt8] = Array("{\n".utf8)
        for (index, (name, value)) in fields.enumerated() {
            out.append(contentsOf: "  \"\(name)\": ".utf8)
            out.append(contentsOf: JSONValue.string(value).serialized())
            out.append(contentsOf: (index == fields.count - 1 ? "\n" : ",\n").utf8)
        }
        out.append(contentsOf: "}".utf8)
        return out
    }
}
