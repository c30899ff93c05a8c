import ArgumentParser
import Foundation

/// A whole-number setting from its flag, else its `TESSERA_*` variable, else its default. A value
/// that does not parse or is out of range is an error that names where it came from: a typo in a
/// deployment must stop the start, not quietly become the default.
struct NumericSetting<Value: FixedWidthInteger & Sendable>: Sendable {
    let flag: String
    let variable: String
    let range: ClosedRange<Value>
    let defaultValue: Value

    /// An empty variable counts as unset.
    func resolve(_ flagValue: Value?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Value {
        if let flagValue {
            guard range.contains(flagValue) else { throw ValidationError("--\(flag) must be \(expected), got \(flagValue)") }
            return flagValue
        }
        guard let text = environment[variable], !text.isEmpty else { return defaultValue }
        guard let value = Value(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ValidationError("\(variable) must be \(expected), got \"\(text)\" (unset it for the default, \(defaultValue))")
        }
        return value
    }

    private var expected: String { "a whole number from \(range.lowerBound) to \(range.upperBound)" }
}
