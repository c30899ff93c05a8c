extension JWTClaims {
    /// The compact JSON payload: `additional` first, then the registered claims in alphabetical
    /// order, so a template can never shadow them.
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        withSerialized { bytes = Array($0) }
        return bytes
    }

    /// Calls `body` with the compact JSON payload in temporary memory: on the stack for any token
    /// under 2 KB (a heap array of that size misses malloc's fast path), on the heap, sized
    /// exactly, beyond. Not generic on purpose: called across modules, a generic would go
    /// unspecialised and look up type metadata on every mint.
    public func withSerialized(_ body: (UnsafeRawBufferPointer) -> Void) {
        let guess = 2048
        let fitted = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: guess) { buffer -> Bool in
            var writer = JSONByteWriter(buffer.baseAddress!, capacity: guess)
            write(to: &writer)
            guard !writer.overflowed else { return false }
            body(UnsafeRawBufferPointer(start: buffer.baseAddress!, count: writer.count))
            return true
        }
        if !fitted { JSONByteWriter.bytes(capacity: serializedBound) { write(to: &$0) }.withUnsafeBytes(body) }
    }

    /// An upper bound on `serialized().count`, computed without writing.
    var serializedBound: Int {
        var bound = 2 + JSONByteWriter.bound(of: additional) + 12 * 8 + 3 * 21 + 2 * 21
        for text in [authorizedParty, issuer, tokenID, sessionID, sessionStatus, subject] {
            if let text { bound += JSONByteWriter.bound(of: text) }
        }
        for audience in audience ?? [] { bound += JSONByteWriter.bound(of: audience) + 1 }
        bound += (factorVerificationAge?.count ?? 0) * 21 + 2
        return bound
    }

    /// Every member is written with a leading comma; the first comma then becomes the opening brace.
    func write(to writer: inout JSONByteWriter) {
        let start = writer.count
        for member in additional.members where !Self.isRegistered(member.key) {
            writer.byte(UInt8(ascii: ","))
            writer.string(member.key)
            writer.byte(UInt8(ascii: ":"))
            writer.value(member.value)
        }
        if let audience {
            writer.raw(",\"aud\":")
            if audience.count == 1 {
                writer.string(audience[0])
            } else {
                writer.byte(UInt8(ascii: "["))
                for (offset, item) in audience.enumerated() {
                    if offset > 0 { writer.byte(UInt8(ascii: ",")) }
                    writer.string(item)
                }
                writer.byte(UInt8(ascii: "]"))
            }
        }
        if let authorizedParty { writer.raw(",\"azp\":"); writer.string(authorizedParty) }
        if let expiresAt { writer.raw(",\"exp\":"); writer.integer(expiresAt) }
        if let factorVerificationAge {
            writer.raw(",\"fva\":[")
            for (offset, age) in factorVerificationAge.enumerated() {
                if offset > 0 { writer.byte(UInt8(ascii: ",")) }
                writer.integer(age)
            }
            writer.byte(UInt8(ascii: "]"))
        }
        if let issuedAt { writer.raw(",\"iat\":"); writer.integer(issuedAt) }
        if let issuer { writer.raw(",\"iss\":"); writer.string(issuer) }
        if let tokenID { writer.raw(",\"jti\":"); writer.string(tokenID) }
        if let notBefore { writer.raw(",\"nbf\":"); writer.integer(notBefore) }
        if let sessionID { writer.raw(",\"sid\":"); writer.string(sessionID) }
        if let sessionStatus { writer.raw(",\"sts\":"); writer.string(sessionStatus) }
        if let subject { writer.raw(",\"sub\":"); writer.string(subject) }
        if let version { writer.raw(",\"v\":"); writer.integer(version) }
        if writer.count == start {
            writer.raw("{}")
        } else {
            writer.replaceByte(at: start, with: UInt8(ascii: "{"))
            writer.byte(UInt8(ascii: "}"))
        }
    }

    /// Decodes a payload strictly: it must be a JSON object without duplicate members, and every
    /// registered claim that is present must have its registered type.
    public static func parse(_ json: [UInt8]) throws(TokenError) -> JWTClaims {
        try parse(json, reusing: [])
    }

    /// As `parse(_:)`; an `iss` or `azp` equal to one of `known` shares that string's storage
    /// instead of allocating its own (a verifier passes the issuer and parties it expects, which
    /// nearly every token carries).
    public static func parse(_ json: [UInt8], reusing known: [String]) throws(TokenError) -> JWTClaims {
        try json.withUnsafeBufferPointer { (buffer) throws(TokenError) -> JWTClaims in try parse(buffer, owner: json, reusing: known) }
    }

    /// One pass over the payload: registered claims straight into typed fields (duplicates caught
    /// by a bit mask), every other member validated completely (grammar, UTF-8, duplicate names at
    /// any depth) but decoded only when `additional` is first read.
    public static func parse(_ json: UnsafeBufferPointer<UInt8>) throws(TokenError) -> JWTClaims {
        try parse(json, owner: nil)
    }

    /// `owner`, when given, is an array holding exactly `json`'s bytes: the deferred members keep it
    /// instead of copying the payload.
    static func parse(_ json: UnsafeBufferPointer<UInt8>, owner: [UInt8]?, reusing known: [String] = []) throws(TokenError) -> JWTClaims {
        var parser = JSONParser(bytes: json)
        var claims = JWTClaims(unset: ())
        var seen: UInt16 = 0
        var extras: [DeferredMembers.Entry] = []
        extras.reserveCapacity(8)
        var extraNames: MemberNameTable?
        parser.skipWhitespace()
        guard parser.index < json.count, json[parser.index] == UInt8(ascii: "{") else {
            throw TokenError(.malformed, "the payload is not a JSON object")
        }
        try parser.enter()
        parser.index += 1
        parser.skipWhitespace()
        var done = parser.index < json.count && json[parser.index] == UInt8(ascii: "}")
        if done { parser.index += 1 }
        while !done {
            parser.skipWhitespace()
            guard parser.index < json.count, json[parser.index] == UInt8(ascii: "\"") else { throw parser.failure("expected a member name") }
            let name = try parser.scanString()
            // Only past the linear check can the count approach the cap.
            if extras.count >= MemberNameTable.linearLimit, extras.count + seen.nonzeroBitCount >= JSONParser.maximumMembers {
                throw parser.failure("an object has more than \(JSONParser.maximumMembers) members")
            }
            // An escaped name is decoded first, so "\u0073ub" is recognised as "sub" (and as a duplicate).
            let registered = name.hasEscapes ? ClaimName(try parser.text(of: name)) : ClaimName(json, name.content)
            parser.skipWhitespace()
            guard parser.index < json.count, json[parser.index] == UInt8(ascii: ":") else { throw parser.failure("expected ':'") }
            parser.index += 1
            parser.skipWhitespace()
            if let registered {
                let bit = UInt16(1) << registered.bit
                guard seen & bit == 0 else { throw TokenError(.duplicateKey, "JSON object names \"\(registered)\" twice") }
                seen |= bit
                switch registered {
                case .azp: claims.authorizedParty = try parser.stringClaim("azp", reusing: known)
                case .aud: claims.audience = try audience(parser.parseValue())
                case .exp: claims.expiresAt = try parser.numericDateClaim("exp")
                case .fva: claims.factorVerificationAge = try parser.integerArrayClaim("fva")
                case .iat: claims.issuedAt = try parser.numericDateClaim("iat")
                case .iss: claims.issuer = try parser.stringClaim("iss", reusing: known)
                case .jti: claims.tokenID = try parser.stringClaim("jti")
                case .nbf: claims.notBefore = try parser.numericDateClaim("nbf")
                case .sid: claims.sessionID = try parser.stringClaim("sid")
                case .sts: claims.sessionStatus = try parser.stringClaim("sts")
                case .sub: claims.subject = try parser.stringClaim("sub")
                case .v: claims.version = try parser.integerClaim("v")
                }
            } else {
                if extras.count < MemberNameTable.linearLimit {
                    for earlier in extras where try parser.sameName(earlier.name, name) {
                        throw TokenError(.duplicateKey, "JSON object names \"\(try parser.text(of: name))\" twice")
                    }
                } else {
                    if extraNames == nil {
                        var table = MemberNameTable(expected: extras.count * 2)
                        for (position, earlier) in extras.enumerated() {
                            _ = try table.insert(hash: try parser.nameHash(earlier.name), position: position, isSame: { _ in false })
                        }
                        extraNames = table
                    }
                    let isDuplicate = try extraNames!.insert(hash: try parser.nameHash(name), position: extras.count) {
                        (earlier) throws(TokenError) in try parser.sameName(extras[earlier].name, name)
                    }
                    if isDuplicate { throw TokenError(.duplicateKey, "JSON object names \"\(try parser.text(of: name))\" twice") }
                }
                let valueStart = parser.index
                try parser.skipValue()
                extras.append(DeferredMembers.Entry(name: name, value: valueStart..<parser.index))
            }
            parser.skipWhitespace()
            guard parser.index < json.count else { throw parser.failure("unterminated object") }
            if json[parser.index] == UInt8(ascii: ",") {
                parser.index += 1
            } else if json[parser.index] == UInt8(ascii: "}") {
                parser.index += 1
                done = true
            } else {
                throw parser.failure("expected ',' or '}'")
            }
        }
        parser.skipWhitespace()
        guard parser.index == json.count else { throw parser.failure("trailing characters after the JSON value") }
        if !extras.isEmpty { claims.deferred = DeferredMembers(bytes: owner ?? Array(json), entries: extras) }
        return claims
    }

    public init(object: JSONObject) throws(TokenError) {
        self = try Self.parse(JSONWriter.serialize(.object(object)))
    }

    static func invalidClaim(_ name: String, _ expected: String) -> TokenError { invalid(name, expected) }

    private static func audience(_ value: JSONValue) throws(TokenError) -> [String] {
        switch value {
        case .string(let single): return [single]
        case .array(let items):
            var values: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw invalid("aud", "an array of strings") }
                values.append(text)
            }
            return values
        default: throw invalid("aud", "a string or an array of strings")
        }
    }


    /// Every claim as one JSON object, registered ones included, for printing and templates.
    public var jsonObject: JSONObject {
        var object = additional
        if let audience { object["aud"] = audience.count == 1 ? .string(audience[0]) : .array(audience.map(JSONValue.string)) }
        if let authorizedParty { object["azp"] = .string(authorizedParty) }
        if let expiresAt { object["exp"] = .integer(expiresAt) }
        if let factorVerificationAge { object["fva"] = .array(factorVerificationAge.map(JSONValue.integer)) }
        if let issuedAt { object["iat"] = .integer(issuedAt) }
        if let issuer { object["iss"] = .string(issuer) }
        if let tokenID { object["jti"] = .string(tokenID) }
        if let notBefore { object["nbf"] = .integer(notBefore) }
        if let sessionID { object["sid"] = .string(sessionID) }
        if let sessionStatus { object["sts"] = .string(sessionStatus) }
        if let subject { object["sub"] = .string(subject) }
        if let version { object["v"] = .integer(version) }
        return object
    }

    private static func string(_ value: JSONValue, _ name: String) throws(TokenError) -> String {
        guard case .string(let text) = value else { throw invalid(name, "a string") }
        return text
    }

    private static func numericDate(_ value: JSONValue, _ name: String) throws(TokenError) -> Int64 {
        guard case .integer(let seconds) = value else { throw invalid(name, "a whole number of seconds") }
        return seconds
    }

    private static func invalid(_ name: String, _ expected: String) -> TokenError {
        TokenError(.invalidClaim, "claim \"\(name)\" must be \(expected)")
    }
}
