extension JWTClaims {
    /// The compact JSON payload: `additional` first, then the registered claims in alphabetical
    /// order, so a template can never shadow them.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(320)
        output.append(UInt8(ascii: "{"))
        var first = true
        func key(_ name: StaticString) {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            output.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        for member in additional.members where !Self.registeredNames.contains(member.key) {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            JSONWriter.appendString(member.key, to: &output)
            output.append(UInt8(ascii: ":"))
            JSONWriter.append(member.value, to: &output)
        }
        if let audience {
            key("aud")
            if audience.count == 1 {
                JSONWriter.appendString(audience[0], to: &output)
            } else {
                JSONWriter.append(.array(audience.map(JSONValue.string)), to: &output)
            }
        }
        if let authorizedParty { key("azp"); JSONWriter.appendString(authorizedParty, to: &output) }
        if let expiresAt { key("exp"); JSONWriter.appendInteger(expiresAt, to: &output) }
        if let factorVerificationAge {
            key("fva")
            output.append(UInt8(ascii: "["))
            for (offset, age) in factorVerificationAge.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                JSONWriter.appendInteger(age, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        if let issuedAt { key("iat"); JSONWriter.appendInteger(issuedAt, to: &output) }
        if let issuer { key("iss"); JSONWriter.appendString(issuer, to: &output) }
        if let tokenID { key("jti"); JSONWriter.appendString(tokenID, to: &output) }
        if let notBefore { key("nbf"); JSONWriter.appendInteger(notBefore, to: &output) }
        if let sessionID { key("sid"); JSONWriter.appendString(sessionID, to: &output) }
        if let sessionStatus { key("sts"); JSONWriter.appendString(sessionStatus, to: &output) }
        if let subject { key("sub"); JSONWriter.appendString(subject, to: &output) }
        if let version { key("v"); JSONWriter.appendInteger(version, to: &output) }
        output.append(UInt8(ascii: "}"))
        return output
    }

    /// Decodes a payload strictly: it must be a JSON object without duplicate members, and every
    /// registered claim that is present must have its registered type.
    public static func parse(_ json: [UInt8]) throws(TokenError) -> JWTClaims {
        try JWTClaims(object: JSONParser.parseObject(json))
    }

    public init(object: JSONObject) throws(TokenError) {
        self.init()
        var extra: [JSONObject.Member] = []
        for member in object.members {
            let value = member.value
            switch member.key {
            case "azp": authorizedParty = try Self.string(value, "azp")
            case "aud":
                switch value {
                case .string(let single): audience = [single]
                case .array(let items):
                    var values: [String] = []
                    for item in items {
                        guard case .string(let text) = item else { throw Self.invalid("aud", "an array of strings") }
                        values.append(text)
                    }
                    audience = values
                default: throw Self.invalid("aud", "a string or an array of strings")
                }
            case "exp": expiresAt = try Self.numericDate(value, "exp")
            case "fva":
                guard case .array(let items) = value else { throw Self.invalid("fva", "an array of integers") }
                var ages: [Int64] = []
                for item in items {
                    guard case .integer(let age) = item else { throw Self.invalid("fva", "an array of integers") }
                    ages.append(age)
                }
                factorVerificationAge = ages
            case "iat": issuedAt = try Self.numericDate(value, "iat")
            case "iss": issuer = try Self.string(value, "iss")
            case "jti": tokenID = try Self.string(value, "jti")
            case "nbf": notBefore = try Self.numericDate(value, "nbf")
            case "sid": sessionID = try Self.string(value, "sid")
            case "sts": sessionStatus = try Self.string(value, "sts")
            case "sub": subject = try Self.string(value, "sub")
            case "v":
                guard case .integer(let number) = value else { throw Self.invalid("v", "an integer") }
                version = number
            default: extra.append(member)
            }
        }
        additional = JSONObject(extra)
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
