/// The protected header of a compact JWS, typed.
///
/// Only `alg`, `kid` and `typ` matter to Tessera; other parameters (`jku`, `x5u`, `jwk`, …) are
/// ignored, never followed. A `crit` list is refused because we implement no extension.
public struct JOSEHeader: Sendable, Hashable {
    /// The `alg` exactly as written, kept for error messages.
    public var algorithmName: String
    /// The parsed algorithm, `nil` when the name is not one Tessera supports.
    public var algorithm: JWSAlgorithm?
    public var keyID: String?
    public var type: String?

    public init(algorithm: JWSAlgorithm, keyID: String?, type: String? = "JWT") {
        self.algorithmName = algorithm.rawValue
        self.algorithm = algorithm
        self.keyID = keyID
        self.type = type
    }

    /// Parses a decoded header; throws on malformed JSON, duplicate members, a missing or
    /// non-string `alg`, a non-string `kid`/`typ`, or any `crit`.
    public static func parse(_ json: [UInt8]) throws(TokenError) -> JOSEHeader {
        let object = try JSONParser.parseObject(json)
        guard let algValue = object["alg"] else { throw TokenError(.malformed, "header has no \"alg\"") }
        guard case .string(let algorithmName) = algValue else { throw TokenError(.malformed, "header \"alg\" is not a string") }
        if object["crit"] != nil {
            throw TokenError(.unsupportedCritical, "header lists critical extensions, none of which Tessera implements")
        }
        var header = JOSEHeader(algorithmName: algorithmName)
        if let kid = object["kid"] {
            guard case .string(let value) = kid else { throw TokenError(.malformed, "header \"kid\" is not a string") }
            header.keyID = value
        }
        if let typ = object["typ"] {
            guard case .string(let value) = typ else { throw TokenError(.malformed, "header \"typ\" is not a string") }
            header.type = value
        }
        return header
    }

    private init(algorithmName: String) {
        self.algorithmName = algorithmName
        self.algorithm = JWSAlgorithm(headerValue: algorithmName)
    }

    /// The header's JSON, members in the order `alg`, `kid`, `typ`.
    public func serialized() -> [UInt8] {
        var object: JSONObject = ["alg": .string(algorithmName)]
        if let keyID { object["kid"] = .string(keyID) }
        if let type { object["typ"] = .string(type) }
        return JSONWriter.serialize(.object(object))
    }
}
