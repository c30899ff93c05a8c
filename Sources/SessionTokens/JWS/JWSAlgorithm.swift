/// The JWS algorithms Tessera signs and verifies with. Nothing else is ever accepted: `none`, in
/// any casing, and every unlisted name fail to parse.
public enum JWSAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// RSASSA-PKCS1-v1_5 with SHA-256: the default, and the only one Clerk's SDKs accept.
    case rs256 = "RS256"
    /// ECDSA P-256 with SHA-256; signatures are the 64-byte `r‖s` form on the wire, never DER.
    case es256 = "ES256"
    /// Ed25519 (RFC 8037). The header may also say `Ed25519` (RFC 9864's fully specified name).
    case edDSA = "EdDSA"
    /// HMAC SHA-256: only for a template's own signing key, never for a published key.
    case hs256 = "HS256"

    /// Parses the header's `alg` exactly as written (case-sensitive, as RFC 7515 requires).
    public init?(headerValue: String) {
        switch headerValue {
        case "RS256": self = .rs256
        case "ES256": self = .es256
        case "EdDSA", "Ed25519": self = .edDSA
        case "HS256": self = .hs256
        default: return nil
        }
    }

    /// Parses a user-facing name, case-insensitively, for flags and configuration.
    public init?(name: String) {
        switch name.uppercased() {
        case "RS256": self = .rs256
        case "ES256": self = .es256
        case "EDDSA", "ED25519": self = .edDSA
        case "HS256": self = .hs256
        default: return nil
        }
    }

    public var description: String { rawValue }

    /// Whether the algorithm uses a key pair (its public half can be published in a JWKS).
    public var isAsymmetric: Bool { self != .hs256 }
}
