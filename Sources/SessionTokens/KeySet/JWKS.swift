/// A JSON Web Key Set: `{"keys": [...]}`.
public struct JWKS: Sendable, Hashable {
    public var keys: [JWK]

    public init(keys: [JWK]) { self.keys = keys }

    /// Parses a key set. Keys of kinds Tessera cannot use are skipped (a JWKS may legitimately
    /// publish keys for other purposes), but malformed JSON or duplicate `kid`s are refused:
    /// with two keys under one `kid`, "match the kid exactly" would no longer name one key.
    public static func parse(_ json: [UInt8]) throws(TokenError) -> JWKS {
        let object = try JSONParser.parseObject(json)
        guard case .array(let items)? = object["keys"] else { throw TokenError(.invalidKey, "JWKS has no \"keys\" array") }
        var keys: [JWK] = []
        var seen: Set<String> = []
        for item in items {
            guard case .object(let member) = item else { throw TokenError(.invalidKey, "JWKS holds a non-object") }
            guard let key = try? JWK(json: member) else { continue }
            if let kid = key.keyID {
                guard seen.insert(kid).inserted else { throw TokenError(.invalidKey, "JWKS lists kid \(kid) twice") }
            }
            keys.append(key)
        }
        return JWKS(keys: keys)
    }

    public var jsonObject: JSONObject {
        ["keys": .array(keys.map { .object($0.jsonObject) })]
    }

    public func serialized() -> [UInt8] { JSONWriter.serialize(.object(jsonObject)) }
}
