/// One of uap-core's lists, in order, with the prefilter's clauses of every rule laid out flat: the
/// prefilter tests each rule's clauses on every parse, so they sit in one array, not one per rule.
struct UAPRuleList: Sendable {
    let rules: [UAPRule]
    /// Rule `i`'s clauses, each ended by -1, are `clauses[starts[i]..<starts[i + 1]]`.
    private let clauses: [Int32]
    private let starts: [Int]
    /// Whether rule `i` folds case (`regex_flag: 'i'`).
    private let foldsCase: [Bool]

    init(_ rules: [UAPRule]) {
        self.rules = rules
        var clauses: [Int32] = []
        var starts = [0]
        for rule in rules {
            for clause in rule.literals { clauses += clause + [-1] }
            starts.append(clauses.count)
        }
        self.clauses = clauses
        self.starts = starts
        self.foldsCase = rules.map(\.caseInsensitive)
    }

    /// The first rule whose regex matches `text`, with its captures. With `found` (the literals in the
    /// text), a rule runs only if each of its clauses has one there, or if it folds case and the text is
    /// not ASCII (ICU folds `k` to the Kelvin sign, whose bytes differ).
    func firstMatch(_ text: String, utf16Count: Int, found: LiteralSet?, isASCII: Bool) -> (rule: UAPRule, captures: [Substring?])? {
        guard let found else {
            for rule in rules {
                if let captures = rule.match(text, utf16Count: utf16Count) { return (rule, captures) }
            }
            return nil
        }
        // One scope for the whole walk: in a debug build, a closure per rule would cost more than the regexes.
        return found.withWords { words in
            clauses.withUnsafeBufferPointer { clauses in
                starts.withUnsafeBufferPointer { starts in
                    foldsCase.withUnsafeBufferPointer { foldsCase in
                        var position = 0
                        for index in 0..<(starts.count - 1) {
                            let end = starts[index + 1]
                            var passes = true
                            var satisfied = false
                            while position < end {
                                let id = Int(clauses[position])
                                position &+= 1
                                if id < 0 {
                                    if !satisfied { passes = false }
                                    satisfied = false
                                } else if !satisfied && words[id &>> 6] & (UInt64(1) &<< UInt64(id & 63)) != 0 {
                                    satisfied = true
                                }
                            }
                            guard passes || (foldsCase[index] && !isASCII) else { continue }
                            if let captures = rules[index].match(text, utf16Count: utf16Count) { return (rules[index], captures) }
                        }
                        return nil
                    }
                }
            }
        }
    }
}
