/// A JSON Web Key (RFC 7517) of one of the kinds Tessera uses, public or private.
///
/// Members are kept as base64url text, exactly as published; `SessionCrypto` turns them into
/// OpenSSL keys. `description` never prints private members.
public struct JWK: Sendable, Hashable, CustomStringConvertible {
    public enum KeyType: String, Sendable, Hashable {
        case rsa = "RSA"
        case ec = "EC"
        case okp = "OKP"
        case oct
    }

    public var keyType: KeyType
    public var keyID: String?
    public var algorithm: String?
    public var use: String?
    public var keyOperations: [String]?
    /// EC and OKP: the curve (`P-256`, `Ed25519`).
    public var curve: String?
    // RSA public
    public var n: String?
    public var e: String?
    // EC public / OKP public
    public var x: String?
    public var y: String?
    // private members (RSA d p q dp dq qi; EC and OKP d; oct k)
    public var d: String?
    public var p: String?
    public var q: String?
    public var dp: String?
    public var dq: String?
    public var qi: String?
    public var k: String?

    public init(keyType: KeyType) { self.keyType = keyType }

    /// Whether private members are present.
    public var isPrivate: Bool { d != nil || k != nil }

    /// The public half: private members removed.
    public var publicKey: JWK {
        var copy = self
        copy.d = nil; copy.p = nil; copy.q = nil; copy.dp = nil; copy.dq = nil; copy.qi = nil; copy.k = nil
        return copy
    }

    /// The algorithm this key may be used with: its `alg` when it names one, otherwise the one
    /// algorithm its type allows (RSA → RS256, P-256 → ES256, Ed25519 → EdDSA, oct → HS256).
    public func resolvedAlgorithm() throws(TokenError) -> JWSAlgorithm {
        let implied: JWSAlgorithm
        switch keyType {
        case .rsa: implied = .rs256
        case .ec:
            guard curve == "P-256" else { throw TokenError(.invalidKey, "EC curve \(curve ?? "(none)") is not supported") }
            implied = .es256
        case .okp:
            guard curve == "Ed25519" else { throw TokenError(.invalidKey, "OKP curve \(curve ?? "(none)") is not supported") }
            implied = .edDSA
        case .oct: implied = .hs256
        }
        guard let algorithm else { return implied }
        guard let named = JWSAlgorithm(headerValue: algorithm), named == implied else {
            throw TokenError(.invalidKey, "JWK alg \(algorithm) does not fit its key type \(keyType.rawValue)")
        }
        return named
    }

    public var description: String {
        "JWK(kty: \(keyType.rawValue), kid: \(keyID ?? "-"), alg: \(algorithm ?? "-")\(isPrivate ? ", private" : ""))"
    }
}

extension JWK {
    /// Parses a JWK object. Unknown members are ignored; known ones must be strings.
    public init(json object: JSONObject) throws(TokenError) {
        guard case .string(let kty)? = object["kty"] else { throw TokenError(.invalidKey, "JWK has no \"kty\"") }
        guard let keyType = KeyType(rawValue: kty) else { throw TokenError(.invalidKey, "JWK kty \(kty) is not supported") }
        self.init(keyType: keyType)
        func text(_ name: String) throws(TokenError) -> String? {
            guard let value = object[name] else { return nil }
            guard case .string(let string) = value else { throw TokenError(.invalidKey, "JWK member \"\(name)\" is not a string") }
            return string
        }
        keyID = try text("kid")
        algorithm = try text("alg")
        use = try text("use")
        curve = try text("crv")
        n = try text("n"); e = try text("e")
        x = try text("x"); y = try text("y")
        d = try text("d"); p = try text("p"); q = try text("q")
        dp = try text("dp"); dq = try text("dq"); qi = try text("qi")
        k = try text("k")
        if let ops = object["key_ops"] {
            guard case .array(let items) = ops else { throw TokenError(.invalidKey, "JWK key_ops is not an array") }
            var operations: [String] = []
            for item in items {
                guard case .string(let operation) = item else { throw TokenError(.invalidKey, "JWK key_ops holds a non-string") }
                operations.append(operation)
            }
            keyOperations = operations
        }
        if let use, use != "sig" { throw TokenError(.invalidKey, "JWK use \(use) is not \"sig\"") }
        if let keyOperations, !keyOperations.contains("verify"), !keyOperations.contains("sign") {
            throw TokenError(.invalidKey, "JWK key_ops allow neither sign nor verify")
        }
    }

    public static func parse(_ json: [UInt8]) throws(TokenError) -> JWK {
        try JWK(json: JSONParser.parseObject(json))
    }

    /// The JWK as a JSON object, members in a fixed order.
    public var jsonObject: JSONObject {
        var object = JSONObject()
        func put(_ name: String, _ value: String?) { if let value { object[name] = .string(value) } }
        put("kty", keyType.rawValue)
        put("use", use)
        put("kid", keyID)
        put("alg", algorithm)
        put("crv", curve)
        put("n", n); put("e", e)
        put("x", x); put("y", y)
        if let keyOperations { object["key_ops"] = .array(keyOperations.map(JSONValue.string)) }
        put("d", d); put("p", p); put("q", q); put("dp", dp); put("dq", dq); put("qi", qi)
        put("k", k)
        return object
    }

    /// RFC 7638 §3: the JSON whose SHA-256 is the thumbprint: only the required public members,
    /// in lexicographic order, no whitespace.
    public func thumbprintInput() throws(TokenError) -> [UInt8] {
        var object = JSONObject()
        switch keyType {
        case .rsa:
            guard let e, let n else { throw TokenError(.invalidKey, "RSA JWK needs n and e") }
            object = ["e": .string(e), "kty": .string("RSA"), "n": .string(n)]
        case .ec:
            guard let curve, let x, let y else { throw TokenError(.invalidKey, "EC JWK needs crv, x and y") }
            object = ["crv": .string(curve), "kty": .string("EC"), "x": .string(x), "y": .string(y)]
        case .okp:
            guard let curve, let x else { throw TokenError(.invalidKey, "OKP JWK needs crv and x") }
            object = ["crv": .string(curve), "kty": .string("OKP"), "x": .string(x)]
        case .oct:
            guard let k else { throw TokenError(.invalidKey, "oct JWK needs k") }
            object = ["k": .string(k), "kty": .string("oct")]
        }
        return JSONWriter.serialize(.object(object))
    }
}
