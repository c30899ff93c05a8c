/// A stored JWT template. The claims are the JSON object text as saved (validated above this layer).
public struct JWTTemplateRecord: Sendable, Hashable {
    /// A template's own signing key. The material is a PEM private key or an HMAC secret; it is
    /// never returned by the API and never printed.
    public struct SigningKey: Sendable, Hashable, CustomStringConvertible {
        public var algorithm: String
        public var material: String
        public init(algorithm: String, material: String) {
            self.algorithm = algorithm
            self.material = material
        }
        public var description: String { "SigningKey(\(algorithm), redacted)" }
    }

    public var id: String
    public var instanceID: String
    /// Unique per instance: it names the template in `/tokens/{template_name}`.
    public var name: String
    public var claims: String
    public var lifetime: Int64
    public var allowedClockSkew: Int64
    /// `RS256` unless the template has its own key.
    public var signingAlgorithm: String
    public var customSigningKey: SigningKey?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, instanceID: String, name: String, claims: String, lifetime: Int64 = 60, allowedClockSkew: Int64 = 5,
        signingAlgorithm: String = "RS256", customSigningKey: SigningKey? = nil, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.instanceID = instanceID
        self.name = name
        self.claims = claims
        self.lifetime = lifetime
        self.allowedClockSkew = allowedClockSkew
        self.signingAlgorithm = signingAlgorithm
        self.customSigningKey = customSigningKey
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
