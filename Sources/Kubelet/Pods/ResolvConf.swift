/// The parts of a `resolv.conf` the kubelet uses: name servers, search domains and options.
public struct ResolvConf: Sendable, Hashable {
    /// `nameserver` lines, in order.
    public var nameservers: [String]
    /// The last `search` line's domains.
    public var searches: [String]
    /// `options` entries, in order.
    public var options: [String]

    /// Creates a configuration.
    public init(nameservers: [String] = [], searches: [String] = [], options: [String] = []) {
        self.nameservers = nameservers
        self.searches = searches
        self.options = options
    }

    /// Parses `resolv.conf` text; comments (`#`, `;`) and unknown keywords are ignored.
    public init(parsing text: String) {
        self.init()
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.prefix { $0 != "#" && $0 != ";" }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = fields.first else { continue }
            switch keyword {
            case "nameserver" where fields.count > 1: nameservers.append(fields[1])
            case "search": searches = Array(fields.dropFirst()).map { $0.hasSuffix(".") ? String($0.dropLast()) : $0 }
            case "options": options.append(contentsOf: fields.dropFirst())
            default: break
            }
        }
    }

    /// Whether pods with their own network can use these servers: there is one, and none is a
    /// loopback address (`127.0.0.53` of systemd-resolved answers only inside the node's
    /// namespace). K3s then looks at `/run/systemd/resolve/resolv.conf`, or writes its own file.
    public var isUsableInPods: Bool {
        !nameservers.isEmpty && !nameservers.contains { $0.hasPrefix("127.") || $0 == "::1" }
    }
}
