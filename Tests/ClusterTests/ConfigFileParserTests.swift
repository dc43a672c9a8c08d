import Testing
@testable import Cluster

@Suite struct ConfigFileParserTests {
    func parse(_ text: String) throws -> [String: ConfigValue] {
        var result: [String: ConfigValue] = [:]
        for entry in try ConfigFileParser(file: "config.yaml").parse(text) { result[entry.key] = entry.value }
        return result
    }

    @Test func parsesTheK3sSubset() throws {
        let text = """
        # K3s server settings
        ---
        write-kubeconfig-mode: "0644"
        token: 'it''s a secret'   # trailing comment
        https-listen-port: 7443
        disable-agent: true
        debug: no
        node-name: node#1
        tls-san:
          - foo.example.com
          - "10.0.0.5"
        cluster-dns: ~
        advertise-address:
        service-cidr: 10.43.0.0/16,fd00:43::/112
        datastore-endpoint: "sqlite:///var/lib/k3s/x.db?_journal=WAL"
        escaped: "tab\\there \\u00e9 \\"q\\""
        flow: [a, "b c", 'd', 4]
        empty-flow: []
        node-label:
        - a=b
        - "c=d # not a comment"
        """
        let values = try parse(text)
        #expect(values["write-kubeconfig-mode"] == .scalar("0644"))
        #expect(values["token"] == .scalar("it's a secret"))
        #expect(values["https-listen-port"] == .scalar("7443"))
        #expect(values["disable-agent"] == .scalar("true"))
        #expect(values["debug"] == .scalar("false"))
        #expect(values["node-name"] == .scalar("node#1"))
        #expect(values["tls-san"] == .list(["foo.example.com", "10.0.0.5"]))
        #expect(values["cluster-dns"] == .scalar(""))
        #expect(values["advertise-address"] == .scalar(""))
        #expect(values["service-cidr"] == .scalar("10.43.0.0/16,fd00:43::/112"))
        #expect(values["datastore-endpoint"] == .scalar("sqlite:///var/lib/k3s/x.db?_journal=WAL"))
        #expect(values["escaped"] == .scalar("tab\there é \"q\""))
        #expect(values["flow"] == .list(["a", "b c", "d", "4"]))
        #expect(values["empty-flow"] == .list([]))
        #expect(values["node-label"] == .list(["a=b", "c=d # not a comment"]))
    }

    @Test func recordsLinesAndAppendKeys() throws {
        let entries = try ConfigFileParser(file: "f.yaml").parse("\n# c\ntls-san+: [a]\ndebug: true\r\n")
        #expect(entries.map(\.line) == [3, 4])
        #expect(entries[0].appends)
        #expect(entries[0].key == "tls-san")
        #expect(entries[1].value == .scalar("true"))
        #expect(entries.allSatisfy { $0.file == "f.yaml" })
    }

    @Test func decodesYAMLEscapes() throws {
        let values = try parse(#"""
            a: "\x41\u00e9\U0001F600"
            b: "tab\there\/slash \\ \"q\""
            c: 'it''s \n raw'
            d: ["\x41", 'x''y', "# in quotes"]   # a comment
            e: "one\
              two"
            """#)
        #expect(values["a"] == .scalar("Aé😀"))
        #expect(values["b"] == .scalar("tab\there/slash \\ \"q\""))
        #expect(values["c"] == .scalar(#"it's \n raw"#))
        #expect(values["d"] == .list(["A", "x'y", "# in quotes"]))
        #expect(values["e"] == .scalar("onetwo"))
    }

    /// Plain scalars resolve as in manifests (YAML 1.1, like the Go YAML K3s reads its config
    /// with): booleans, `y`/`n` included, become `true`/`false`; numbers keep their spelling.
    @Test func plainScalarsResolveAsInManifests() throws {
        let values = try parse("a: y\nb: N\nc: 0x1F\nd: 1_000\ne: '1_000'\nf: Null\n")
        #expect(values["a"] == .scalar("true"))
        #expect(values["b"] == .scalar("false"))
        #expect(values["c"] == .scalar("0x1F"))
        #expect(values["d"] == .scalar("1_000"))
        #expect(values["e"] == .scalar("1_000"))
        #expect(values["f"] == .scalar(""))
    }

    @Test func entriesCarryTheLineOfTheirKey() throws {
        let entries = try ConfigFileParser(file: "f.yaml").parse("""
            # header

            token: "a
              b"
            tls-san:
              - one
              - two
            node-label: [x,
              z]
            debug: true
            """)
        #expect(entries.map(\.key) == ["token", "tls-san", "node-label", "debug"])
        #expect(entries.map(\.line) == [3, 5, 8, 10])
        #expect(entries[0].value == .scalar("a b"))
        #expect(entries[2].value == .list(["x", "z"]))
    }

    @Test func emptyFileHasNoEntries() throws {
        #expect(try ConfigFileParser(file: "f").parse("").isEmpty)
        #expect(try ConfigFileParser(file: "f").parse("# only a comment\n---\n").isEmpty)
    }

    @Test(arguments: [
        ("a: b\nkubelet-arg:\n  nested: map\n", 3, "nested mappings"),
        ("a: {x: 1}\n", 1, "nested mappings"),
        ("a: |\n  text\n", 1, "block scalars"),
        ("a: &anchor b\n", 1, "anchors"),
        ("a: *alias\n", 1, "anchors"),
        ("a: !!str b\n", 1, "tags"),
        ("a: \"unterminated\n", 1, "double-quoted"),
        ("a: 'unterminated\n", 1, "single-quoted"),
        ("a: [x, y\n", 1, "same line"),
        ("a: [x, [y]]\n", 1, "nested"),
        ("- item\n", 1, "must follow a key"),
        ("just text\n", 1, "key: value"),
        ("a: b\na: c\n", 2, "duplicate key \"a\" (first set on line 1)"),
        ("a: b\n---\nc: d\n", 2, "one YAML document"),
        ("a:\n  - x\n    - y\n", 3, "line up"),
        ("a:\n  - - x\n", 2, "nested lists"),
        ("\ta: b\n", 1, "tabs"),
        ("a: \"bad \\q escape\"\n", 1, "unknown escape"),
        ("a: b\n  c: d\n", 2, "unexpected indentation"),
        ("a: x: y\n", 1, "quote the value"),
        ("a: [x,,y]\n", 1, "empty item"),
        ("tls-san: [a]\ntls-san+: [b]\n", 2, "duplicate key \"tls-san\" (first set on line 1)"),
        ("a: b\nc:\n  - x\n  - {y: 1}\n", 4, "nested mappings"),
        ("a: \"x\n  \\q\"\n", 2, "unknown escape"),
        ("a: \"\\uD800\"\n", 1, "not a Unicode character"),
        ("a: @x\n", 1, "quote it"),
    ])
    func refusesWithLineNumber(text: String, line: Int, reason: String) {
        do {
            _ = try ConfigFileParser(file: "config.yaml").parse(text)
            Issue.record("expected a parse error for \(text.debugDescription)")
        } catch {
            #expect(error.file == "config.yaml")
            #expect(error.line == line, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
            #expect(error.description.hasPrefix("config.yaml:\(line): "))
        }
    }
}
