/// Finds which of a fixed set of byte strings occur in a text, in one pass: an Aho-Corasick automaton
/// compiled into a table of transitions, so each byte costs one lookup whatever the number of strings.
///
/// It is the parser's prefilter. Every rule names literals of which any match of its regex contains one
/// (computed from the regex when the rules are converted); a rule whose literals are all absent cannot
/// match, and its regex is not run. Without it a parse would run hundreds of regexes before the first
/// match of each list.
///
/// The literals and the text are compared lower-cased (ASCII only): a literal found in the text stays
/// found after both are lower-cased, so the test stays sound for case-sensitive rules, and it covers the
/// case-insensitive ones whose text is ASCII.
struct LiteralScanner: Sendable {
    /// The bytes that occur in some literal get a class each; every other byte is class 0.
    private let classOfByte: [UInt8]
    private let classCount: Int
    /// `transitions[state * classCount + class]`: the next state, failure links already followed.
    private let transitions: [UInt16]
    /// The literal that ends at a state, or -1.
    private let literalAt: [Int32]
    /// The nearest state down the failure chain (not the state itself) where a literal ends, or -1.
    private let nextOutput: [Int32]
    /// How many literals there are: ids run from 0 to `literalCount - 1`.
    let literalCount: Int

    /// - Parameter literals: distinct, non-empty, already lower-cased byte strings; a literal's id is its index.
    init(literals: [[UInt8]]) {
        var classOfByte = [UInt8](repeating: 0, count: 256)
        var classCount = 1
        for literal in literals {
            for byte in literal where classOfByte[Int(byte)] == 0 {
                classOfByte[Int(byte)] = UInt8(classCount)
                classCount += 1
            }
        }
        // The trie: -1 where no edge goes.
        var edges = [Int32](repeating: -1, count: classCount)
        var literalAt: [Int32] = [-1]
        for (id, literal) in literals.enumerated() {
            precondition(!literal.isEmpty, "a prefilter literal cannot be empty")
            var state = 0
            for byte in literal {
                let slot = state * classCount + Int(classOfByte[Int(byte)])
                if edges[slot] < 0 {
                    edges[slot] = Int32(literalAt.count)
                    literalAt.append(-1)
                    edges.append(contentsOf: repeatElement(-1, count: classCount))
                }
                state = Int(edges[slot])
            }
            literalAt[state] = Int32(id)
        }
        let stateCount = literalAt.count
        precondition(stateCount <= Int(UInt16.max), "too many prefilter states for 16-bit transitions")
        // Breadth first, so that a state's failure target is complete before the state is.
        var failure = [Int32](repeating: 0, count: stateCount)
        var nextOutput = [Int32](repeating: -1, count: stateCount)
        var queue: [Int] = []
        queue.reserveCapacity(stateCount)
        for symbol in 0..<classCount {
            let child = edges[symbol]
            if child < 0 {
                edges[symbol] = 0
            } else {
                queue.append(Int(child))
            }
        }
        var head = 0
        edges.withUnsafeMutableBufferPointer { edges in
            while head < queue.count {
                let state = queue[head]
                head += 1
                let fail = Int(failure[state])
                nextOutput[state] = literalAt[fail] >= 0 ? Int32(fail) : nextOutput[fail]
                for symbol in 0..<classCount {
                    let slot = state &* classCount &+ symbol
                    let target = edges[fail &* classCount &+ symbol]
                    if edges[slot] < 0 {
                        edges[slot] = target
                    } else {
                        failure[Int(edges[slot])] = target
                        queue.append(Int(edges[slot]))
                    }
                }
            }
        }
        self.classOfByte = classOfByte
        self.classCount = classCount
        self.transitions = edges.map { UInt16($0) }
        self.literalAt = literalAt
        self.nextOutput = nextOutput
        self.literalCount = literals.count
    }

    /// The ids of the literals that occur in `text` (lower-cased by the caller), as a bit set.
    func scan(_ text: [UInt8]) -> LiteralSet {
        var found = LiteralSet(count: literalCount)
        var state = 0
        classOfByte.withUnsafeBufferPointer { classOfByte in
            transitions.withUnsafeBufferPointer { transitions in
                for byte in text {
                    state = Int(transitions[state &* classCount &+ Int(classOfByte[Int(byte)])])
                    var output = literalAt[state] >= 0 ? state : Int(nextOutput[state])
                    // A literal already seen was reported with every one down its chain: stop there.
                    while output >= 0, found.insert(Int(literalAt[output])) {
                        output = Int(nextOutput[output])
                    }
                }
            }
        }
        return found
    }
}

/// A set of literal ids, one bit each.
struct LiteralSet: Sendable {
    private var words: [UInt64]

    init(count: Int) {
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    /// Adds `id`; returns whether it was new.
    mutating func insert(_ id: Int) -> Bool {
        let bit = UInt64(1) &<< UInt64(id & 63)
        let word = id &>> 6
        guard words[word] & bit == 0 else { return false }
        words[word] |= bit
        return true
    }

    func contains(_ id: Int) -> Bool {
        words[id &>> 6] & (UInt64(1) &<< UInt64(id & 63)) != 0
    }

    /// The bits, 64 ids a word, for loops that test many ids.
    func withWords<Result>(_ body: (UnsafeBufferPointer<UInt64>) -> Result) -> Result {
        words.withUnsafeBufferPointer(body)
    }

    /// Whether any of `ids` is in the set.
    func containsAny(_ ids: [Int32]) -> Bool {
        for id in ids where contains(Int(id)) { return true }
        return false
    }
}
