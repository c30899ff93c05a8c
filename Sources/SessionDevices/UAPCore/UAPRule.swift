import Foundation
import Synchronization

/// One entry of a uap-core list: a regex, its replacements and the literals that prefilter it.
///
/// The regex is compiled on first use, not with the list: the prefilter rules most of them out for
/// any real traffic, so a server compiles only those its clients need (all 1 162 take about 20 ms).
final class UAPRule: Sendable {
    let pattern: String
    let caseInsensitive: Bool
    /// By position: family (or device), then the version fields (or brand, model); nil where absent.
    let replacements: [String?]
    /// Clauses of literal ids in the parser's `LiteralScanner`: a match of `pattern` contains a literal of
    /// each. `UAPRuleList` keeps them flat for the prefilter's loop.
    let literals: [[Int32]]
    private let compiled = Mutex<Compiled>(.notYet)

    private enum Compiled: @unchecked Sendable {  // NSRegularExpression is immutable and thread-safe (Foundation's documentation).
        case notYet
        case ready(NSRegularExpression)
        case invalid
    }

    init(pattern: String, caseInsensitive: Bool, replacements: [String?], literals: [[Int32]]) {
        self.pattern = pattern
        self.caseInsensitive = caseInsensitive
        self.replacements = replacements
        self.literals = literals
    }

    /// The compiled regex, or nil if ICU refuses the pattern (a test checks that it accepts every one).
    var regex: NSRegularExpression? {
        compiled.withLock { state in
            switch state {
            case .ready(let regex): return regex
            case .invalid: return nil
            case .notYet:
                // No anchoring option: the specification searches the whole text (`firstMatch` below).
                let options: NSRegularExpression.Options = caseInsensitive ? [.caseInsensitive] : []
                guard let regex = try? NSRegularExpression(pattern: pattern, options: options) else {
                    state = .invalid
                    return nil
                }
                state = .ready(regex)
                return regex
            }
        }
    }

    /// The capture groups of the first match in `text`, group 0 first (nil for a group that took no part).
    func match(_ text: String, utf16Count: Int) -> [Substring?]? {
        guard let regex, let result = regex.firstMatch(in: text, options: [], range: NSRange(location: 0, length: utf16Count))
        else { return nil }
        return (0..<result.numberOfRanges).map { index in
            let range = result.range(at: index)
            guard range.location != NSNotFound, let bounds = Range(range, in: text) else { return nil }
            return text[bounds]
        }
    }

    /// The value of field `position`: its replacement with `$1`…`$9` filled in, or else capture group
    /// `group` (nil to take none). Trimmed; empty is nil. This is the reference implementations' rule
    /// (uap-python's `MultiReplace`), which the test corpora were written against.
    func field(_ position: Int, group: Int?, captures: [Substring?]) -> String? {
        if position < replacements.count, let template = replacements[position] {
            return Self.substitute(template, captures: captures)
        }
        guard let group, group < captures.count, let value = captures[group] else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    static func substitute(_ template: String, captures: [Substring?]) -> String? {
        var result = ""
        var characters = template.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = characters.next()
        while let scalar = pending {
            pending = characters.next()
            if scalar == "$", let digit = pending, let index = Int(String(digit)), index >= 1 {
                if index < captures.count, let value = captures[index] { result += value }
                pending = characters.next()
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        let trimmed = result.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }
}
