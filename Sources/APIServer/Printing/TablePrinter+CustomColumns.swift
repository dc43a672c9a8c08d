import KubeAPI

extension TablePrinter {
    /// The printer of a custom resource: the name, then each `additionalPrinterColumns` entry
    /// (`name`, `type`, `format`, `description`, `priority`, `jsonPath`); with none, an Age column
    /// on `.metadata.creationTimestamp`. Columns whose path does not parse print empty cells.
    static func customPrinter(_ definitions: [JSONValue]) -> Printer {
        var definitions = definitions
        if definitions.isEmpty {
            definitions = [["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"]]
        }
        let specs: [(TableColumn, JSONPathExpression?)] = definitions.map { definition in
            let column = TableColumn(
                name: definition["name"]?.stringValue ?? "",
                type: definition["type"]?.stringValue ?? "string",
                format: definition["format"]?.stringValue ?? "",
                description: definition["description"]?.stringValue ?? "Custom resource definition column (in JSONPath format): \(definition["jsonPath"]?.stringValue ?? "")",
                priority: Int(definition["priority"]?.intValue ?? 0)
            )
            return (column, try? JSONPathExpression(definition["jsonPath"]?.stringValue ?? ""))
        }
        return Printer(columns: [nameColumn] + specs.map(\.0)) { object, now in
            var cells: [JSONValue] = [name(object)]
            for (column, path) in specs {
                let values = path?.evaluate(object) ?? []
                switch values.count {
                case 0: cells.append(.null)
                case 1: cells.append(cell(values[0], type: column.type, now: now))
                default: cells.append(.string(values.map(text).joined(separator: ",")))
                }
            }
            return cells
        }
    }

    /// A cell of a custom column: the value when it has the column's type, converted where
    /// Kubernetes converts (numbers between integer and number, dates to ages), else null.
    static func cell(_ value: JSONValue, type: String, now: Double) -> JSONValue {
        switch (type, value) {
        case ("integer", .int): return value
        case ("integer", .double(let d)): return .int(Int64(d))
        case ("number", .int(let n)): return .double(Double(n))
        case ("number", .double): return value
        case ("boolean", .bool): return value
        case ("string", .string): return value
        case ("date", .string(let s)):
            guard let seconds = RFC3339.seconds(s) else { return "<invalid>" }
            return .string(HumanDuration.format(seconds: now - seconds))
        default: return .null
        }
    }

    /// A value as plain text (strings unquoted, others as JSON).
    static func text(_ value: JSONValue) -> String {
        value.stringValue ?? value.serializedString()
    }
}
