import ArgumentParser
import Cluster

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces this process with `tool`, its arguments passed through and its environment defaults
/// added; a missing tool is a clear error naming where to get it.
func execute(_ tool: BundledTool, _ arguments: [String]) throws -> Never {
    var environment: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        pointer += 1
    }
    let searchPath = environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    guard let path = tool.locate(searchPath: searchPath, exists: { access($0, X_OK) == 0 }) else {
        throw CommandFailure(tool.missingMessage)
    }
    let argv = ([tool.name] + arguments).map { strdup($0) } + [nil]
    let envp = tool.environment(over: environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
    execve(path, argv, envp)
    throw CommandFailure("cannot run \(path): \(String(cString: strerror(errno)))")
}

/// `k3s kubectl`: kubectl with the server's admin kubeconfig (unless `KUBECONFIG` is set).
struct KubectlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubectl", abstract: "Run kubectl with the cluster's admin kubeconfig.")
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
    func run() throws { try execute(.kubectl, arguments) }
}

/// `k3s ctr`: containerd's ctr on the node's containerd, namespace `k8s.io`.
struct CtrCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctr", abstract: "Run containerd's ctr against the node's containerd (namespace k8s.io).")
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
    func run() throws { try execute(.ctr, arguments) }
}

/// `k3s crictl`: crictl on the node's CRI socket.
struct CrictlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crictl", abstract: "Run crictl against the node's CRI socket.")
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
    func run() throws { try execute(.crictl, arguments) }
}
