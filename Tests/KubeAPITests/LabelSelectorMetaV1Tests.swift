import Testing
@testable import KubeAPI

@Suite struct LabelSelectorMetaV1Tests {
    @Test func apiSelectorMatchesLikeItsString() throws {
        let api = MetaV1.LabelSelector(
            matchExpressions: [.init(key: "tier", operator: "In", values: ["web", "api"])],
            matchLabels: ["app": "shop"]
        )
        let selector = try LabelSelector(api)
        #expect(selector.matches(["app": "shop", "tier": "web"]))
        #expect(!selector.matches(["app": "shop", "tier": "db"]))
        #expect(!selector.matches(["tier": "web"]))
    }

    @Test func missingSelectsNothingEmptySelectsEverything() throws {
        #expect(!(try LabelSelector(nil)).matches(["a": "b"]))
        #expect(try LabelSelector(MetaV1.LabelSelector()).matches(["a": "b"]))
    }

    @Test func badOperatorIsAnError() {
        let api = MetaV1.LabelSelector(matchExpressions: [.init(key: "a", operator: "Near", values: ["x"])])
        #expect(throws: SelectorParseError.self) { try LabelSelector(api) }
    }
}
