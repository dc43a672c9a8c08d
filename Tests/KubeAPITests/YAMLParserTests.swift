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
        ("a: 1\n---\nb: 2\n", 3),
        ("? complex\n", 1),
        ("a:\n\t- b\n", 2),
        ("a: b: c\n", 1),
        ("- a\nb: c\n", 2),
        ("a: \"bad \\q escape\"\n", 1),
        ("a: !!int abc\n", 1),
        ("a: !custom x\n", 1),
    ]

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
