/// One run of a network tool: the overlays change and read kernel state only through these, so
/// tests can check the exact commands without root (see ``LinkCommandRunner``).
public struct LinkCommand: Sendable, Hashable, CustomStringConvertible {
    /// The tools an overlay runs.
    public enum Tool: String, Sendable, Hashable, CaseIterable {
        /// iproute2's `ip` (links, addresses, routes, neighbours).
        case ip
        /// iproute2's `bridge` (forwarding database).
        case bridge
        /// nftables' `nft`.
        case nft
        /// procps' `sysctl`.
        case sysctl
    }

    /// The tool.
    public var tool: Tool
    /// Its arguments.
    public var arguments: [String]
    /// What the tool reads on standard input (a `-batch -` or `-f -` script), if anything.
    public var input: String?

    /// Creates a command.
    public init(_ tool: Tool, _ arguments: [String], input: String? = nil) {
        self.tool = tool
        self.arguments = arguments
        self.input = input
    }

    /// `ip -j route show dev flannel.1`, with the standard input appended after `<<<`.
    public var description: String {
        let line = ([tool.rawValue] + arguments).joined(separator: " ")
        guard let input else { return line }
        return line + " <<<\n" + input
    }
}
