import Testing
@testable import KubeAPI

/// The YAML reader used for server-side apply bodies.
@Suite struct YAMLParserTests {
    static func json(_ text: String) -> JSONValue { try! JSONValue(parsing: text) }

    @Test func deploymentManifest() throws {
        let yaml = """
            # a comment
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web   # trailing comment
              labels:
                app: web
                "quoted key": 'it''s'
            spec:
              replicas: 3
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels:
                    app: web
                spec:
                  containers:
                  - name: app
                    image: "nginx:1.27"
                    args: [--port, "80"]
                    ports:
                      - containerPort: 80
                        protocol: TCP
                    env:
                    - name: EMPTY
                      value: ""
                  nodeSelector: {}
            """
        let value = try YAMLParser.parse(yaml)
        #expect(value == Self.json("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web","quoted key":"it's"}},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
             "spec":{"containers":[{"name":"app","image":"nginx:1.27","args":["--port","80"],"ports":[{"containerPort":80,"protocol":"TCP"}],
             "env":[{"name":"EMPTY","value":""}]}],"nodeSelector":{}}}}}
            """))
    }

    /// Plain scalars and what they resolve to (YAML 1.1, as Kubernetes reads manifests).
    static let scalars: [(String, JSONValue)] = [
        ("true", true), ("yes", true), ("On", true), ("false", false), ("no", false), ("OFF", false),
        ("null", .null), ("~", .null), ("", .null), ("42", 42), ("-7", -7), ("0644", 420), ("0x1F", 31),
        ("1.5", 1.5), ("1e3", 1000.0), ("1_000", 1000), ("v1", "v1"), ("1.2.3", "1.2.3"), ("e5", "e5"),
        ("nginx:latest", "nginx:latest"), ("-", "-"), ("08", 8), ("1.2e", "1.2e"),
    ]

    @Test(arguments: scalars)
    func plainScalarResolution(_ text: String, _ expected: JSONValue) {
        #expect(YAMLParser.resolvePlain(text) == expected)
    }

    @Test func quotedScalarsStayStrings() throws {
        let value = try YAMLParser.parse("a: \"true\"\nb: '42'\nc: \"tab\\there \\u00e9\"\nd: !!str 12\n")
        #expect(value == ["a": "true", "b": "42", "c": "tab\there é", "d": "12"])
    }

    @Test func blockScalars() throws {
        let yaml = """
            literal: |
              line one
                indented
              line three
            stripped: |-
              no newline
            folded: >
              folded
              text

              new paragraph
            kept: |+
              keep

            last: x
            """
        let value = try YAMLParser.parse(yaml)
        #expect(value["literal"] == "line one\n  indented\nline three\n")
        #expect(value["stripped"] == "no newline")
        #expect(value["folded"] == "folded text\nnew paragraph\n")
        #expect(value["kept"] == "keep\n\n")
        #expect(value["last"] == "x")
    }

    @Test func nestedSequencesAndFlowAcrossLines() throws {
        let yaml = """
            matrix:
            - - 1
              - 2
            - [3,
               4]
            obj: {a: [1, {b: c}],
              d: e}
            multi: "one
              two"
            """
        let value = try YAMLParser.parse(yaml)
        #expect(value == Self.json(#"{"matrix":[[1,2],[3,4]],"obj":{"a":[1,{"b":"c"}],"d":"e"},"multi":"one two"}"#))
    }

    @Test func documentMarkersAndJSON() throws {
        #expect(try YAMLParser.parse("---\na: 1\n...\n") == ["a": 1])
        #expect(try YAMLParser.parse("---\na: 1\n---\n") == ["a": 1])
        #expect(try YAMLParser.parse(#"{"kind": "Pod", "spec": {"x": [1, 2.5, null, true]}}"#) == Self.json(#"{"kind":"Pod","spec":{"x":[1,2.5,null,true]}}"#))
        #expect(try YAMLParser.parse("") == .null)
    }

    /// Input that must be refused, with the line reported.
    static let malformed: [(String, Int)] = [
        ("a: 1\n  b: 2\n", 2),
        ("a: [1, 2\n", 1),
        ("a: \"unterminated\n", 1),
        ("a: &anchor 1\n", 1),
        ("a: *alias\n", 1),
        ("a: 1\na: 2\n", 2),
        ("a: 1\n---\nb: 2\n", 2),
        ("? complex\n", 1),
        ("a:\n\t- b\n", 2),
        ("a: b: c\n", 1),
        ("- a\nb: c\n", 2),
        ("a: \"bad \\q escape\"\n", 1),
        ("a: !!int abc\n", 1),
        ("a: !custom x\n", 1),
        ("a: [1,,2]\n", 1),
        ("a: [1,\n  2,,\n  3]\n", 2),
        ("a: {b: 1, b: 2}\n", 1),
        ("a: @x\n", 1),
        ("a: `x`\n", 1),
        ("a:\n  - x\n   - y\n", 3),
        ("a: 'open\nb: c\n", 1),
        ("a: \"x\n  \\q\"\n", 2),
    ]

    /// The message of the error `text` is refused with.
    static func message(_ text: String) -> String {
        do {
            _ = try YAMLParser.parse(text)
            return "(parsed)"
        } catch {
            return error.message
        }
    }

    @Test func errorsSayWhatIsWrong() {
        #expect(Self.message("a: 1\na: 2\n") == "duplicate key \"a\" (first set on line 1)")
        #expect(Self.message("a: 1\n---\nb: 2\n").contains("only one YAML document"))
        #expect(Self.message("a: \"open\n").contains("unterminated double-quoted scalar"))
        #expect(Self.message("a: 'open\n").contains("unterminated single-quoted scalar"))
        #expect(Self.message("a: [1, 2\n").contains("unterminated flow sequence"))
        #expect(Self.message("a: {b: 1\n").contains("unterminated flow mapping"))
        #expect(Self.message("a: [1,,2]\n") == "empty item in a flow sequence")
        #expect(Self.message("a:\n  - x\n    - y\n").contains("list items must line up"))
        #expect(Self.message("a: b: c\n").contains("quote the value"))
    }

    /// Double-quoted escapes (YAML 1.2 §5.7), single-quoted `''`, and quotes that hide `#`.
    static let quoted: [(String, String)] = [
        (#""a\nb""#, "a\nb"), (#""a\tb""#, "a\tb"), (#""say \"hi\"""#, "say \"hi\""), (#""back\\slash""#, "back\\slash"),
        (#""a\/b""#, "a/b"), (#""\x41\xe9""#, "Aé"), (#""\u00e9\u263A""#, "é☺"), (#""\U0001F600""#, "😀"),
        (#""\0\a\b\v\f\r\e""#, "\u{0}\u{7}\u{8}\u{B}\u{C}\r\u{1B}"), (#""\N\_\L\P""#, "\u{85}\u{A0}\u{2028}\u{2029}"),
        ("\"a\\ b\\\tc\"", "a b\tc"), ("'it''s'", "it's"), (#"'no \n escapes'"#, #"no \n escapes"#), (#"'a"b'"#, "a\"b"),
        (#""a'b""#, "a'b"), (##""# not a comment""##, "# not a comment"), (##""x \" # still inside""##, "x \" # still inside"),
        ("'it''s # inside'", "it's # inside"), (#""""#, ""), ("''", ""),
    ]

    @Test(arguments: quoted)
    func quotedScalars(_ yaml: String, _ expected: String) throws {
        #expect(try YAMLParser.parse("key: " + yaml + "\n") == ["key": .string(expected)])
        #expect(try YAMLParser.parse("- " + yaml + "  # comment\n") == [.string(expected)])
        #expect(try YAMLParser.parse("[" + yaml + ", x]") == [.string(expected), "x"])
        #expect(try YAMLParser.parse(yaml + ": v") == [expected: "v"])
    }

    static let badEscapes: [(String, String)] = [
        (#""\q""#, "unknown escape \"\\q\""), (#""\x4""#, "2 hexadecimal digits"), (#""\xZZ""#, "2 hexadecimal digits"),
        (#""\u+041""#, "4 hexadecimal digits"), (#""\u00é9""#, "4 hexadecimal digits"),
        (#""\uD800""#, "not a Unicode character"), (#""\U00110000""#, "not a Unicode character"),
    ]

    @Test(arguments: badEscapes)
    func badEscapesAreRefused(_ yaml: String, _ reason: String) {
        #expect(Self.message("key: " + yaml + "\n").contains(reason), "\(Self.message("key: " + yaml))")
    }

    @Test func quotedScalarsFoldOverLines() throws {
        let yaml = [
            #"plain: "one"#, #"  two""#,
            #"blank: "one"#, "", #"  two""#,
            #"joined: "one\"#, #"  two""#,
            #"trailing: "one   "#, #"   two""#,
            #"escapedSpace: "one\ "#, #"  two""#,
            "single: 'it''s", "  # not a comment'",
            "flow: [a,  # first", "  \"b\",", "  # a comment line", "  c d,", "  e]",
        ].joined(separator: "\n")
        let value = try YAMLParser.parse(yaml)
        #expect(value["plain"] == "one two")
        #expect(value["blank"] == "one\ntwo")
        #expect(value["joined"] == "onetwo")
        #expect(value["trailing"] == "one two")
        #expect(value["escapedSpace"] == "one  two")
        #expect(value["single"] == "it's # not a comment")
        #expect(value["flow"] == ["a", "b", "c d", "e"])
    }

    @Test func nodesCarryTheirLinesAndStyles() throws {
        let yaml = """
            # comment
            first: 0644

            second:
              nested: [a,
                'b']
              list:
              - x
              - "y"
            third: |
              text
            fourth: !!str 12
            """
        let root = try #require(try YAMLParser.parseNode(yaml))
        #expect(root.line == 2)
        guard case .mapping(let members) = root.content else { Issue.record("not a mapping: \(root)"); return }
        #expect(members.map(\.key) == ["first", "second", "third", "fourth"])
        #expect(members.map(\.line) == [2, 4, 10, 12])
        #expect(members[0].value == YAMLNode(.scalar("0644", .plain), line: 2))
        #expect(members[2].value == YAMLNode(.scalar("text\n", .literal), line: 10))
        #expect(members[3].value == YAMLNode(.scalar("12", .plain), tag: "!!str", line: 12))
        #expect(members[1].value.line == 5)
        guard case .mapping(let nested) = members[1].value.content else { Issue.record("not a mapping"); return }
        #expect(nested.map(\.line) == [5, 7])
        #expect(nested[0].value == YAMLNode(.sequence([YAMLNode(.scalar("a", .plain), line: 5), YAMLNode(.scalar("b", .singleQuoted), line: 6)]), line: 5))
        #expect(nested[1].value == YAMLNode(.sequence([YAMLNode(.scalar("x", .plain), line: 8), YAMLNode(.scalar("y", .doubleQuoted), line: 9)]), line: 8))
        #expect(try root.resolved() == YAMLParser.parse(yaml))
        #expect(try YAMLParser.parse(yaml)["first"] == 420)
        #expect(try YAMLParser.parseNode("# nothing\n---\n") == nil)
    }

    @Test(arguments: malformed)
    func malformedInputIsRefusedWithItsLine(_ text: String, _ line: Int) {
        #expect {
            _ = try YAMLParser.parse(text)
        } throws: { error in
            (error as? YAMLParseError)?.line == line
        }
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 10_000)
        #expect(throws: YAMLParseError.self) { _ = try YAMLParser.parse("a: " + deep) }
    }
}
