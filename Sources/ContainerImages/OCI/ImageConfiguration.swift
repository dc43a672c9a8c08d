/// What an image tells the runtime about running it: the `config` part of an OCI image
/// configuration plus the platform.
public struct ImageConfiguration: Sendable, Hashable {
    /// The program and its first arguments (`Entrypoint`).
    public var entrypoint: [String]
    /// The default arguments (`Cmd`).
    public var cmd: [String]
    /// `NAME=value` pairs (`Env`).
    public var environment: [String]
    /// The working directory (`WorkingDir`); empty for the runtime's default (`/`).
    public var workingDirectory: String
    /// The user (`User`), as `uid[:gid]` or a name; empty for root.
    public var user: String
    /// Image labels (`Labels`), written in key order.
    public var labels: [String: String]
    /// The CPU architecture in OCI spelling (`amd64`, `arm64`).
    public var architecture: String
    /// The operating system (`linux`).
    public var operatingSystem: String

    /// The PATH every Linux image in this project gets unless told otherwise.
    public static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Creates a configuration for the machine this code runs on.
    public init(
        entrypoint: [String] = [], cmd: [String] = [], environment: [String] = [ImageConfiguration.defaultPath],
        workingDirectory: String = "", user: String = "", labels: [String: String] = [:],
        architecture: String = ImageConfiguration.hostArchitecture, operatingSystem: String = "linux"
    ) {
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.user = user
        self.labels = labels
        self.architecture = architecture
        self.operatingSystem = operatingSystem
    }

    /// The architecture of this build, in OCI spelling.
    public static var hostArchitecture: String {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #elseif arch(arm)
        "arm"
        #elseif arch(s390x)
        "s390x"
        #elseif arch(powerpc64le)
        "ppc64le"
        #else
        "unknown"
        #endif
    }
}
