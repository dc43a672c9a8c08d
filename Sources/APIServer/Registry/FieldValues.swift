import KubeAPI

/// The selectable field values of one object, in the order of its kind's
/// ``SelectableFields`` (the labels are shared by every object of the kind, so each object
/// keeps only its values).
public struct FieldValues: Sendable, Equatable {
    /// The field labels (`spec.nodeName`), shared with the kind's ``SelectableFields``.
    let labels: [String]
    /// The values, one per label.
    let values: [String]

    /// The value of the field `label`; `nil` when the kind has no such field.
    public subscript(label: String) -> String? {
        labels.firstIndex(of: label).map { values[$0] }
    }

    /// Whether every term of `selector` holds (a field the kind lacks counts as empty).
    func satisfy(_ selector: FieldSelector) -> Bool {
        selector.requirements.allSatisfy { $0.matches(value: self[$0.field] ?? "") }
    }
}
