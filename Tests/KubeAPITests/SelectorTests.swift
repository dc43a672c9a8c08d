import Testing
@testable import KubeAPI

@Suite struct LabelSelectorTests {
    @Test(arguments: [
        ("", ""), ("   ", ""),
        ("a=b", "a=b"), ("a==b", "a==b"), ("a!=b", "a!=b"), ("a", "a"), ("!a", "!a"),
        ("a in (x,y)", "a in (x,y)"), ("a in (y, x, y)", "a in (x,y)"), ("a notin (x)", "a notin (x)"),
        (" b = c , a ", "a,b=c"), ("x=,y!=", "x=,y!="), ("a in (x,)", "a in (,x)"),
        ("example.com/key=v", "example.com/key=v"), ("a>5", "a>5"), ("a < -10", "a<-10"),
        ("app=web,tier in (fe,be),!canary", "app=web,!canary,tier in (be,fe)"),
        ("a.b-c_d=A.B-c_9", "a.b-c_d=A.B-c_9"), ("k8s.io/a,!k8s.io/b", "k8s.io/a,!k8s.io/b"),
        ("z!=1,a=1,z=2", "a=1,z!=1,z=2"), ("\ta\tin\t(\tx\t)", "a in (x)"),
    ])
    func parsesToCanonicalForm(text: String, canonical: String) throws {
        let selector = try LabelSelector(parsing: text)
        #expect(selector.description == canonical)
        #expect(try LabelSelector(parsing: canonical) == selector)
    }

    @Test(arguments: [
        ("a b", "found 'b', expected: '='"),
        ("a=b,", "found end of input, expected: identifier after ','"),
        (",a", "found ',', expected: identifier"),
        ("!", "found end of input, expected: identifier after '!'"),
        ("a in x", "found 'x', expected: '('"),
        ("a in ()", "values set can't be empty"),
        ("a in (x", "found end of input, expected: ',' or ')'"),
        ("a in (x y)", "found 'y', expected: ',' or ')'"),
        ("a=b=c", "found '=', expected: ',' or end of input"),
        ("a notin", "found end of input, expected: '('"),
        ("a=(b)", "found '(', expected: a value"),
        ("a!", "found '!', expected"),
        ("-a=b", "invalid label key \"-a\""),
        ("a=-b", "invalid label value: \"-b\": at key: \"a\""),
        ("a/b/c=d", "at most one '/'"),
        ("Example.com/a=b", "prefix part a lowercase RFC 1123 subdomain"),
        ("/a=b", "prefix part must be non-empty"),
        ("a/=b", "name part must be non-empty"),
        (String(repeating: "k", count: 64) + "=v", "name part must be no more than 63 characters"),
        ("k=" + String(repeating: "v", count: 64), "must be no more than 63 characters"),
        ("a>b", "the value must be an integer"),
        ("a>", "the value must be an integer"),
        ("a in (x,-y)", "invalid label value: \"-y\""),
        ("a=b c", "found 'c', expected: ',' or end of input"),
    ])
    func rejectsInvalidSelectors(text: String, fragment: String) {
        #expect {
            _ = try LabelSelector(parsing: text)
        } throws: { error in
            guard let error = error as? SelectorParseError else { return false }
            return error.selector == text && error.message.contains(fragment)
        }
    }

    @Test(arguments: [
        ("", ["a": "b"], true),
        ("", [:], true),
        ("a=b", ["a": "b"], true),
        ("a=b", ["a": "c"], false),
        ("a=b", [:], false),
        ("a==b", ["a": "b", "c": "d"], true),
        ("a!=b", [:], true),
        ("a!=b", ["a": "b"], false),
        ("a!=b", ["a": "c"], true),
        ("a in (x,y)", ["a": "y"], true),
        ("a in (x,y)", ["a": "z"], false),
        ("a in (x,y)", [:], false),
        ("a notin (x,y)", [:], true),
        ("a notin (x,y)", ["a": "x"], false),
        ("a notin (x,y)", ["a": "z"], true),
        ("a", ["a": ""], true),
        ("a", ["b": "a"], false),
        ("!a", ["b": "a"], true),
        ("!a", ["a": "x"], false),
        ("a=", ["a": ""], true),
        ("a=", [:], false),
        ("a>5", ["a": "6"], true),
        ("a>5", ["a": "5"], false),
        ("a>5", ["a": "x"], false),
        ("a<5", ["a": "-1"], true),
        ("a<5", [:], false),
        ("app=web,!canary,tier in (fe,be)", ["app": "web", "tier": "fe"], true),
        ("app=web,!canary,tier in (fe,be)", ["app": "web", "tier": "fe", "canary": "1"], false),
    ])
    func matches(text: String, labels: [String: String], expected: Bool) throws {
        #expect(try LabelSelector(parsing: text).matches(labels) == expected)
    }

    @Test func everythingAndNothing() {
        #expect(LabelSelector.everything.matches([:]))
        #expect(LabelSelector.everything.isEverything)
        #expect(LabelSelector.everything.description == "")
        #expect(!LabelSelector.nothing.matches([:]))
        #expect(!LabelSelector.nothing.matches(["a": "b"]))
        #expect(LabelSelector.nothing.isNothing)
        #expect(!LabelSelector.nothing.isEverything)
        #expect(LabelSelector.nothing != LabelSelector.everything)
    }

    @Test func structuredSelector() throws {
        let selector = try LabelSelector(
            matchLabels: ["app": "web", "env": "prod"],
            matchExpressions: [
                LabelSelectorRequirement(key: "tier", operator: "In", values: ["fe", "be"]),
                LabelSelectorRequirement(key: "canary", operator: "DoesNotExist"),
                LabelSelectorRequirement(key: "zone", operator: "NotIn", values: ["a"]),
                LabelSelectorRequirement(key: "owner", operator: "Exists"),
            ])
        #expect(selector.description == "app=web,!canary,env=prod,owner,tier in (be,fe),zone notin (a)")
        #expect(selector.matches(["app": "web", "env": "prod", "tier": "be", "owner": "x"]))
        #expect(!selector.matches(["app": "web", "env": "prod", "tier": "be", "owner": "x", "zone": "a"]))
        #expect(selector.requiredValue(for: "app") == "web")
        #expect(selector.requiredValue(for: "tier") == nil)
        #expect(try LabelSelector(matchLabels: [:], matchExpressions: []).isEverything)
    }

    @Test(arguments: [
        (LabelSelectorRequirement(key: "a", operator: "Foo", values: []), "\"Foo\" is not a valid label selector operator"),
        (LabelSelectorRequirement(key: "a", operator: "In", values: []), "values set can't be empty"),
        (LabelSelectorRequirement(key: "a", operator: "NotIn", values: []), "values set can't be empty"),
        (LabelSelectorRequirement(key: "a", operator: "Exists", values: ["x"]), "values set must be empty"),
        (LabelSelectorRequirement(key: "a", operator: "DoesNotExist", values: ["x"]), "values set must be empty"),
        (LabelSelectorRequirement(key: "a b", operator: "Exists", values: []), "invalid label key \"a b\""),
        (LabelSelectorRequirement(key: "a", operator: "In", values: ["ok", "not ok"]), "invalid label value: \"not ok\""),
    ])
    func structuredSelectorErrors(requirement: LabelSelectorRequirement, fragment: String) {
        #expect {
            _ = try LabelSelector(matchLabels: [:], matchExpressions: [requirement])
        } throws: { error in
            (error as? SelectorParseError)?.message.contains(fragment) == true
        }
    }

    @Test func invalidMatchLabelsAreRejected() {
        #expect(throws: SelectorParseError.self) { _ = try LabelSelector(matchLabels: ["app": "bad value"]) }
        #expect(throws: SelectorParseError.self) { _ = try LabelSelector(matchLabels: ["bad key": "v"]) }
    }

    @Test func requirementsCanBeBuiltAndAdded() throws {
        let base = try LabelSelector(parsing: "b=1")
        let more = base.adding(try LabelSelector.Requirement(key: "a", operator: .exists, values: []))
        #expect(more.description == "a,b=1")
        #expect(LabelSelector.nothing.adding(try .init(key: "a", operator: .exists, values: [])).isNothing)
        #expect(throws: SelectorParseError.self) { _ = try LabelSelector.Requirement(key: "a", operator: .equals, values: ["x", "y"]) }
    }

    @Test(arguments: [
        ("a", true), ("a.b/c", true), ("a-b.c_d", true), ("A", true), ("1", true),
        ("", false), ("-a", false), ("a-", false), ("a/b/c", false), ("A.com/x", false), ("a..b/x", false),
        ("a_b.com/x", false), (String(repeating: "a", count: 63), true), (String(repeating: "a", count: 64), false),
        (String(repeating: "a.", count: 126) + "a/x", true), (String(repeating: "a.", count: 127) + "a/x", false),
    ])
    func qualifiedNames(key: String, valid: Bool) {
        #expect(LabelValidation.qualifiedNameErrors(key).isEmpty == valid)
    }

    @Test(arguments: [("", true), ("a", true), ("A_b-c.9", true), ("_a", false), ("a ", false), ("é", false)])
    func labelValues(value: String, valid: Bool) {
        #expect(LabelValidation.labelValueErrors(value).isEmpty == valid)
    }
}

@Suite struct FieldSelectorTests {
    @Test(arguments: [
        ("", ""), ("a=b", "a=b"), ("a==b", "a=b"), ("a!=b", "a!=b"), ("b=1,a=2", "a=2,b=1"),
        (#"a=x\,y"#, #"a=x\,y"#), (#"a=x\=y"#, #"a=x\=y"#), (#"a=x\\y"#, #"a=x\\y"#), ("a=", "a="),
        ("a=b,,c=d", "a=b,c=d"), ("metadata.name=web,spec.nodeName!=", "metadata.name=web,spec.nodeName!="),
        ("a = b", "a = b"),
    ])
    func parsesToCanonicalForm(text: String, canonical: String) throws {
        let selector = try FieldSelector(parsing: text)
        #expect(selector.description == canonical)
        #expect(try FieldSelector(parsing: canonical) == selector)
    }

    @Test func unescapesValues() throws {
        let selector = try FieldSelector(parsing: #"a=x\,y\=z\\w,b!=q"#)
        #expect(selector.requirements == [
            .init(field: "a", operator: .equals, value: #"x,y=z\w"#),
            .init(field: "b", operator: .notEquals, value: "q"),
        ])
        #expect(selector.fields == ["a", "b"])
        #expect(selector.requiredValue(for: "a") == #"x,y=z\w"#)
        #expect(selector.requiredValue(for: "b") == nil)
    }

    @Test(arguments: [
        ("a", "can't understand 'a'"),
        ("a=b,c", "can't understand 'c'"),
        ("=b", "missing field name"),
        (#"a=b\"#, "trailing '\\'"),
        (#"a=b\x"#, "invalid escape sequence '\\x'"),
        ("a=b=c", "unescaped '='"),
        ("a!==b", "unescaped '='"),
    ])
    func rejectsInvalidSelectors(text: String, fragment: String) {
        #expect {
            _ = try FieldSelector(parsing: text)
        } throws: { error in
            guard let error = error as? SelectorParseError else { return false }
            return error.selector == text && error.message.contains(fragment)
        }
    }

    @Test(arguments: [
        ("", [:], true),
        ("metadata.name=web", ["metadata.name": "web"], true),
        ("metadata.name=web", ["metadata.name": "db"], false),
        ("metadata.name=web", [:], false),
        ("spec.nodeName=", [:], true),
        ("spec.nodeName=", ["spec.nodeName": "n1"], false),
        ("status.phase!=Running", ["status.phase": "Pending"], true),
        ("status.phase!=Running", ["status.phase": "Running"], false),
        ("status.phase!=Running", [:], true),
        ("a=1,b!=2", ["a": "1", "b": "3"], true),
        ("a=1,b!=2", ["a": "1", "b": "2"], false),
    ])
    func matches(text: String, fields: [String: String], expected: Bool) throws {
        #expect(try FieldSelector(parsing: text).matches(fields) == expected)
    }

    @Test func everythingAndEscape() {
        #expect(FieldSelector.everything.isEverything)
        #expect(FieldSelector.everything.matches(["a": "b"]))
        #expect(FieldSelector.equals("metadata.name", "a,b").description == #"metadata.name=a\,b"#)
        #expect(FieldSelector.escape(#"\=,"#) == #"\\\=\,"#)
    }
}
