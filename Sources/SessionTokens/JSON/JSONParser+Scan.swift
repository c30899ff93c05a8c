/// Validation without materialising: the verify path checks template claims completely but
/// decodes them only when someone reads them.
extension JSONParser {
    /// A string literal's location and what it contains.
    struct ScannedString {
        /// The bytes between the quotes.
        var content: Range<Int>
        var hasEscapes: Bool
        var hasNonASCII: Bool
    }

    /// Scans a string literal at `index` (which must be at its opening quote), eight bytes at a
    /// time while no quote, backslash, control or non-ASCII byte appears. Validates escapes and
    /// UTF-8 only when they occur.
    mutating func scanString() throws(TokenError) -> ScannedString {
        index += 1
        let start = index
        skipPlainRun()
        let count = bytes.count
        var hasEscapes = false
        var hasNonASCII = false
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let scanned = ScannedString(content: start..<index, hasEscapes: hasEscapes, hasNonASCII: hasNonASCII)
                index += 1
                if hasNonASCII, !hasEscapes,
                    String(validating: UnsafeBufferPointer(rebasing: bytes[scanned.content]), as: UTF8.self) == nil
                {
                    throw failure("invalid UTF-8 in string")
                }
                return scanned
            }
            if byte == UInt8(ascii: "\\") {
                // Escapes are rare in tokens: validate through the decoding path.
                hasEscapes = true
                index = start - 1
                _ = try parseString()
                return ScannedString(content: start..<index - 1, hasEscapes: true, hasNonASCII: hasNonASCII)
            }
            if byte < 0x20 { throw failure("control character in string") }
            if byte >= 0x80 { hasNonASCII = true }
            index += 1
        }
        throw failure("unterminated string")
    }

    /// The text of a scanned string.
    func text(of scanned: ScannedString) throws(TokenError) -> String {
        if scanned.hasEscapes {
            var copy = JSONParser(bytes: bytes)
            copy.index = scanned.content.lowerBound - 1
            return try copy.parseString()
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[scanned.content]), as: UTF8.self)
    }

    /// The hash of a scanned name's text (escapes decoded first), for `MemberNameTable`.
    func nameHash(_ name: ScannedString) throws(TokenError) -> Int {
        name.hasEscapes ? MemberNameTable.hash(try text(of: name)) : MemberNameTable.hash(UnsafeBufferPointer(rebasing: bytes[name.content]))
    }

    /// Whether two scanned names are the same text (bytes compared; escapes decoded first).
    func sameName(_ a: ScannedString, _ b: ScannedString) throws(TokenError) -> Bool {
        if !a.hasEscapes, !b.hasEscapes {
            return a.content.count == b.content.count
                && memcmpEqual(bytes.baseAddress! + a.content.lowerBound, bytes.baseAddress! + b.content.lowerBound, a.content.count)
        }
        return try JSONParser.sameBytes(text(of: a), text(of: b))
    }

    @inline(__always)
    private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        for offset in 0..<count where a[offset] != b[offset] { return false }
        return true
    }

    /// A registered string claim: parsed directly, any other JSON type is an invalid claim.
    @inline(__always)
    mutating func stringClaim(_ name: String) throws(TokenError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            _ = try parseValue()  // malformed JSON stays malformed; well-formed is the wrong type
            throw JWTClaims.invalidClaim(name, "a string")
        }
        return try parseString()
    }

    /// A registered string claim that is usually one of `known`: returned as that very string when
    /// the bytes match (no allocation), parsed as usual otherwise.
    mutating func stringClaim(_ name: String, reusing known: [String]) throws(TokenError) -> String {
        if !known.isEmpty, index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
            let start = index
            let scanned = try scanString()
            if !scanned.hasEscapes {
                let length = scanned.content.count
                let text = bytes.baseAddress! + scanned.content.lowerBound
                for candidate in known {
                    let same = candidate.utf8.withContiguousStorageIfAvailable { utf8 in
                        utf8.count == length && (length == 0 || memcmpEqual(utf8.baseAddress!, text, length))
                    }
                    if same == true { return candidate }
                }
            }
            index = start
        }
        return try stringClaim(name)
    }

    /// A NumericDate claim (`exp`, `iat`, `nbf`): whole seconds from 1970 to the end of year 9999.
    /// Anything outside is malformed: no genuine token carries it, and refusing it here keeps every
    /// later computation on it (leeway, milliseconds for the user-wide cut-off) far from overflow.
    @inline(__always)
    mutating func numericDateClaim(_ name: String) throws(TokenError) -> Int64 {
        let value = try integerClaim(name)
        // Literal bounds: a static range read here would cost a lazy-initialisation check per claim.
        guard value >= 0, value <= 253_402_300_799 else {
            throw TokenError(.malformed, "claim \"\(name)\" is \(value), outside \(JWTClaims.numericDateRange) (years 1970 to 9999)")
        }
        return value
    }

    /// A registered integer claim (`exp`, `iat`, `nbf`, `v`): up to 18 plain digits parsed in one
    /// loop; anything else goes through the full number grammar and must still be an integer.
    @inline(__always)
    mutating func integerClaim(_ name: String) throws(TokenError) -> Int64 {
        var position = index
        var value: Int64 = 0
        while position < bytes.count, position - index < 18, bytes[position] &- UInt8(ascii: "0") < 10 {
            value = value &* 10 &+ Int64(bytes[position] &- UInt8(ascii: "0"))
            position += 1
        }
        let digits = position - index
        if digits > 0, digits < 18, !(digits > 1 && bytes[index] == UInt8(ascii: "0")), position < bytes.count {
            let next = bytes[position]
            if next == UInt8(ascii: ",") || next == UInt8(ascii: "}") || next == 0x20 || next == 0x0A || next == 0x0D || next == 0x09 {
                index = position
                return value
            }
        }
        guard case .integer(let number) = try parseValue() else { throw JWTClaims.invalidClaim(name, "a whole number of seconds") }
        return number
    }

    /// A registered array of integers (`fva`), parsed without building `JSONValue`s.
    mutating func integerArrayClaim(_ name: String) throws(TokenError) -> [Int64] {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else {
            _ = try parseValue()
            throw JWTClaims.invalidClaim(name, "an array of integers")
        }
        index += 1
        var values: [Int64] = []
        values.reserveCapacity(4)  // Clerk's fva holds two ages
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return values
        }
        while true {
            skipWhitespace()
            guard values.count < Self.maximumElements else { throw failure("an array has more than \(Self.maximumElements) elements") }
            guard case .integer(let value) = try parseValue() else { throw JWTClaims.invalidClaim(name, "an array of integers") }
            values.append(value)
            skipWhitespace()
            guard index < bytes.count else { throw failure("unterminated array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            guard bytes[index] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
            index += 1
            return values
        }
    }

    /// Validates one value exactly as `parseValue` would (grammar, UTF-8, escapes, duplicate
    /// names at every depth, nesting cap) without building it.
    mutating func skipValue() throws(TokenError) {
        guard index < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "{"): try skipObject()
        case UInt8(ascii: "["):
            try enter()
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
            } else {
                var count = 0
                while true {
                    skipWhitespace()
                    guard count < Self.maximumElements else { throw failure("an array has more than \(Self.maximumElements) elements") }
                    count += 1
                    try skipValue()
                    skipWhitespace()
                    guard index < bytes.count else { throw failure("unterminated array") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    guard bytes[index] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
                    index += 1
                    break
                }
            }
            depth -= 1
        default: _ = try parseValue()  // numbers and literals allocate nothing
        }
    }

    private mutating func skipObject() throws(TokenError) {
        try enter()
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        // Names for the duplicate check live on the stack for objects of up to eight members (all
        // that tokens hold in practice), compared one by one; larger objects continue on the
        // heap-backed name stack and are found again through a hash table.
        try withUnsafeTemporaryAllocation(of: ScannedString.self, capacity: MemberNameTable.linearLimit) {
            (inline: UnsafeMutableBufferPointer<ScannedString>) throws(TokenError) in
            var count = 0
            var names: MemberNameTable?
            let frame = nameStack.count
            defer { if nameStack.count > frame { nameStack.removeLast(nameStack.count - frame) } }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                let name = try scanString()
                if count < inline.count {
                    for position in 0..<count where try sameName(inline[position], name) {
                        throw TokenError(.duplicateKey, "JSON object names \"\(try text(of: name))\" twice")
                    }
                    inline.initializeElement(at: count, to: name)
                } else {
                    guard count < Self.maximumMembers else { throw failure("an object has more than \(Self.maximumMembers) members") }
                    if names == nil {
                        var table = MemberNameTable(expected: count * 2)
                        for position in 0..<count {
                            _ = try table.insert(hash: try nameHash(inline[position]), position: position, isSame: { _ in false })
                        }
                        names = table
                    }
                    let isDuplicate = try names!.insert(hash: try nameHash(name), position: count) { (earlier) throws(TokenError) in
                        try sameName(earlier < inline.count ? inline[earlier] : nameStack[frame + earlier - inline.count], name)
                    }
                    if isDuplicate { throw TokenError(.duplicateKey, "JSON object names \"\(try text(of: name))\" twice") }
                    nameStack.append(name)
                }
                count += 1
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
                index += 1
                skipWhitespace()
                try skipValue()
                skipWhitespace()
                guard index < bytes.count else { throw failure("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                guard bytes[index] == UInt8(ascii: "}") else { throw failure("expected ',' or '}'") }
                index += 1
                depth -= 1
                return
            }
        }
    }
}
