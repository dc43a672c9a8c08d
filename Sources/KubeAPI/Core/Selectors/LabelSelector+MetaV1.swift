extension LabelSelector {
    /// The selector an API object's `selector` field describes (`matchLabels` and `matchExpressions`
    /// ANDed). A `nil` API selector selects nothing, as upstream treats a missing selector; an empty
    /// one selects everything.
    ///
    /// - Throws: `SelectorParseError` for an invalid key, value or operator.
    public init(_ selector: MetaV1.LabelSelector?) throws(SelectorParseError) {
        guard let selector else {
            self = .nothing
            return
        }
        try self.init(
            matchLabels: selector.matchLabels ?? [:],
            matchExpressions: (selector.matchExpressions ?? []).map {
                LabelSelectorRequirement(key: $0.key ?? "", operator: $0.operator ?? "", values: $0.values ?? [])
            }
        )
    }
}
