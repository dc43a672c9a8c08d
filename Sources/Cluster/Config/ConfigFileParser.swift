import KubeAPI

/// Reads a K3s config file: one YAML mapping of flag names to scalars or lists of scalars, each
/// entry with the line it is written on.
///
/// The YAML itself is read by ``YAMLParser``, so comments, quoting, escapes, `---` and flow
/// lists (`[a, "b"]`) behave as they do in manifests. On top of that the file must be a mapping
/// whose values are scalars or lists of scalars: nested mappings, nested lists, block scalars
/// (`|`, `>`), tags, anchors and aliases are refused with the line number rather than
/// half-understood, and so are duplicate keys (`key` and `key+` count as one). Plain scalars
/// keep their spelling (`0644` stays `0644`), except that YAML's booleans (`yes`, `On`, ...)
/// become `true` or `false` and its nulls (`~`, `null`, nothing) an empty value.
public struct ConfigFileParser: Sendable {
    /// The file name used in errors and entries.
    public var file: String

    /// Creates a parser that reports errors against `file`.
    public init(file: String) { self.file = file }

    /// Parses the text of one file into its entries, in file order.
    ///
    /// - Throws: ``ConfigFileError`` naming the file, the line and the problem.
    public func parse(_ text: String) throws(ConfigFileError) -> [ConfigEntry] {
        let root: YAMLNode?
        do {
            root = try YAMLParser.parseNode(text)
        } catch {
            throw ConfigFileError(file: file, line: error.line, reason: error.message)
        }
        guard let root else { return [] }
        guard case .mapping(let members) = root.content, root.tag == nil else {
            if case .sequence = root.content {
                throw fail(root.line, "a list item must follow a key, as in \"tls-san:\" then \"- name\"")
            }
            throw fail(root.line, "expected \"key: value\"")
        }
        var entries: [ConfigEntry] = []
        var seen: [String: Int] = [:]
        for member in members {
            var key = member.key
            let appends = key.hasSuffix("+")
            if appends { key.removeLast() }
            guard !key.isEmpty else { throw fail(member.line, "empty key") }
            if let previous = seen[key] {
                throw fail(member.line, "duplicate key \"\(key)\" (first set on line \(previous))")
            }
            seen[key] = member.line
            let value = try value(of: member.value)
            entries.append(ConfigEntry(key: key, value: value, appends: appends, file: file, line: member.line))
        }
        return entries
    }

    private func fail(_ line: Int, _ reason: String) -> ConfigFileError {
        ConfigFileError(file: file, line: line, reason: reason)
    }

    /// A key's value: a list of scalars, or one scalar.
    private func value(of node: YAMLNode) throws(ConfigFileError) -> ConfigValue {
        guard case .sequence(let items) = node.content, node.tag == nil else { return .scalar(try scalar(node)) }
        var values: [String] = []
        for item in items { values.append(try scalar(item)) }
        return .list(values)
    }

    /// The text of a scalar, refusing every other kind of node.
    private func scalar(_ node: YAMLNode) throws(ConfigFileError) -> String {
        guard node.tag == nil else { throw fail(node.line, "anchors, aliases and tags are not supported") }
        switch node.content {
        case .mapping:
            throw fail(node.line, "nested mappings are not supported: K3s config keys take a value or a list")
        case .sequence:
            throw fail(node.line, "nested lists are not supported")
        case .scalar(let text, .plain):
            switch YAMLParser.resolvePlain(text) {
            case .bool(let value): return value ? "true" : "false"
            case .null: return ""
            default: return text
            }
        case .scalar(let text, .singleQuoted), .scalar(let text, .doubleQuoted):
            return text
        case .scalar(_, .literal), .scalar(_, .folded):
            throw fail(node.line, "block scalars (| and >) are not supported; write the value on one line")
        }
    }
}
