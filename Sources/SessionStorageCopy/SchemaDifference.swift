/// How a database's tables and columns differ from the plan's, in words for an operator.
struct SchemaDifference {
    let expected: [String: Set<String>]
    let found: [String: Set<String>]

    /// Nil when they agree; otherwise every difference, sorted (so that a message is stable).
    var summary: String? {
        var parts: [String] = []
        for table in expected.keys.sorted() {
            guard let columns = found[table] else {
                parts.append("no table \(table)")
                continue
            }
            let wanted = expected[table] ?? []
            for column in wanted.subtracting(columns).sorted() { parts.append("no column \(table).\(column)") }
            for column in columns.subtracting(wanted).sorted() { parts.append("unknown column \(table).\(column)") }
        }
        for table in Set(found.keys).subtracting(expected.keys).sorted() { parts.append("unknown table \(table)") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}
