/// A Clerk-compatible JWT template: a claims object whose string values may hold shortcodes,
/// plus lifetime and clock-skew settings.
///
/// Building one validates it completely (reserved claims, shortcode syntax, ranges), so a
/// template that exists can always be rendered.
public struct JWTTemplate: Sendable, Hashable {
    /// Claims that belong to the service and are written after rendering; a template naming one
    /// at its top level is refused when saved. `client_id` names the OAuth client a token was
    /// minted for (with the user's consent): only the service may write it.
    public static let reservedClaims: Set<String> = [
        "azp", "client_id", "exp", "fva", "iat", "iss", "jti", "nbf", "sid", "sts", "sub", "v",
    ]
    public static let lifetimeRange: ClosedRange<Int64> = TokenLifetime.allowedRange
    public static let clockSkewRange: ClosedRange<Int64> = 0...300
    /// A cookie holds about 4 KB; a token over it would be silently dropped by browsers.
    public static let defaultSizeBudget = 4096

    public let name: String
    public let claims: JSONObject
    public let lifetime: Int64
    public let allowedClockSkew: Int64
    /// The template's own signing key, when it does not use the instance's keys.
    public let customSigningKey: CustomSigningKey?
    let compiled: CompiledNode

    /// A template's own key: PEM for RS256/ES256/EdDSA, the shared secret for HS256. Opaque:
    /// never printed, and never returned by the API.
    public struct CustomSigningKey: Sendable, Hashable, CustomStringConvertible {
        public let algorithm: JWSAlgorithm
        public let material: String
        public init(algorithm: JWSAlgorithm, material: String) {
            self.algorithm = algorithm
            self.material = material
        }
        public var description: String { "CustomSigningKey(\(algorithm), redacted)" }
    }

    public init(
        name: String, claims: JSONObject, lifetime: Int64 = 60, allowedClockSkew: Int64 = 5,
        customSigningKey: CustomSigningKey? = nil
    ) throws(TokenError) {
        guard !name.isEmpty, !name.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) else {
            throw TokenError(.invalidTemplate, "a template name must be non-empty and hold no '/' or '?'")
        }
        guard Self.lifetimeRange.contains(lifetime) else {
            throw TokenError(.invalidTemplate, "lifetime must be between 30 and 315360000 seconds, got \(lifetime)")
        }
        guard Self.clockSkewRange.contains(allowedClockSkew) else {
            throw TokenError(.invalidTemplate, "allowed_clock_skew must be between 0 and 300 seconds, got \(allowedClockSkew)")
        }
        for key in claims.keys where Self.reservedClaims.contains(key) {
            throw TokenError(.reservedClaim, "you can't use the reserved claim '\(key)'")
        }
        if let violation = Self.payloadViolation(of: claims) {
            throw TokenError(.invalidTemplate, "the claims object \(violation): tokens must stay within what their verifiers parse")
        }
        self.name = name
        self.claims = claims
        self.lifetime = lifetime
        self.allowedClockSkew = allowedClockSkew
        self.customSigningKey = customSigningKey
        self.compiled = try CompiledNode(.object(claims))
    }

    /// Reads Clerk's template shape: `{"name", "claims", "lifetime"?, "allowed_clock_skew"?}`.
    public init(json object: JSONObject) throws(TokenError) {
        guard case .string(let name)? = object["name"] else { throw TokenError(.invalidTemplate, "template needs a \"name\" string") }
        guard case .object(let claims)? = object["claims"] else { throw TokenError(.invalidTemplate, "template needs a \"claims\" object") }
        func integer(_ key: String, _ fallback: Int64) throws(TokenError) -> Int64 {
            switch object[key] {
            case nil, .null?: return fallback
            case .integer(let value)?: return value
            default: throw TokenError(.invalidTemplate, "\"\(key)\" must be an integer")
            }
        }
        var customKey: CustomSigningKey?
        if object["custom_signing_key"]?.boolValue == true {
            guard case .string(let algorithmName)? = object["signing_algorithm"], let algorithm = JWSAlgorithm(name: algorithmName) else {
                throw TokenError(.invalidTemplate, "custom_signing_key needs signing_algorithm RS256, ES256, EdDSA or HS256")
            }
            guard case .string(let material)? = object["signing_key"], !material.isEmpty else {
                throw TokenError(.invalidTemplate, "custom_signing_key needs a signing_key")
            }
            customKey = CustomSigningKey(algorithm: algorithm, material: material)
        }
        try self.init(
            name: name, claims: claims, lifetime: integer("lifetime", 60), allowedClockSkew: integer("allowed_clock_skew", 5),
            customSigningKey: customKey)
    }

    /// Why `claims` cannot be a token's payload, or `nil`: they must fit the JSON parser's caps
    /// (nesting, members, elements) beside the registered claims the service adds, or the token
    /// would be refused as malformed by every verifier, ours first.
    static func payloadViolation(of claims: JSONObject) -> String? {
        let room = JSONParser.maximumMembers - JWTClaims.registeredNames.count
        if claims.count > room { return "has \(claims.count) members, more than \(room)" }
        return JSONParser.limitViolation(of: .object(claims))
    }

    /// Renders the custom claims for a context; reserved claims are not part of the result.
    public func render(_ context: TemplateContext) -> JSONObject {
        guard case .object(let object) = compiled.render(in: context.root) else { return JSONObject() }
        return object
    }

    public static func == (lhs: JWTTemplate, rhs: JWTTemplate) -> Bool {
        lhs.name == rhs.name && lhs.claims == rhs.claims && lhs.lifetime == rhs.lifetime
            && lhs.allowedClockSkew == rhs.allowedClockSkew && lhs.customSigningKey == rhs.customSigningKey
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(claims)
    }
}

/// The claims tree with every string parsed once, so rendering never re-parses shortcodes.
indirect enum CompiledNode: Sendable, Hashable {
    case value(JSONValue)
    case string(TemplateString)
    case array([CompiledNode])
    case object([(String, CompiledNode)])

    init(_ value: JSONValue) throws(TokenError) {
        switch value {
        case .string(let text): self = .string(try TemplateString(parsing: text))
        case .array(let items):
            var nodes: [CompiledNode] = []
            for item in items { nodes.append(try CompiledNode(item)) }
            self = .array(nodes)
        case .object(let object):
            var members: [(String, CompiledNode)] = []
            for member in object.members { members.append((member.key, try CompiledNode(member.value))) }
            self = .object(members)
        default: self = .value(value)
        }
    }

    func render(in context: JSONValue) -> JSONValue {
        switch self {
        case .value(let value): return value
        case .string(let template): return template.render(in: context)
        case .array(let nodes): return .array(nodes.map { $0.render(in: context) })
        case .object(let members):
            // The names come from a JSONObject, so they are unique: no per-member search (quadratic).
            return .object(JSONObject(uniqueMembers: members.map { JSONObject.Member(key: $0.0, value: $0.1.render(in: context)) }))
        }
    }

    static func == (lhs: CompiledNode, rhs: CompiledNode) -> Bool {
        switch (lhs, rhs) {
        case (.value(let a), .value(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: return false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .value(let value): hasher.combine(value)
        case .string(let template): hasher.combine(template)
        case .array(let nodes): hasher.combine(nodes)
        case .object(let members): for (key, node) in members { hasher.combine(key); hasher.combine(node) }
        }
    }
}
