/// The one error type of `SessionTokens`: an extensible code plus a human reason.
///
/// Two errors are equal when their codes are equal, so callers and tests can match on the code
/// without depending on the wording of the reason.
public struct TokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable code. New codes can be added without breaking `switch`es.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The input is not a well-formed compact JWS, JSON document or base64url string.
        public static let malformed = Code("malformed")
        /// A JSON object names the same member twice.
        public static let duplicateKey = Code("duplicateKey")
        /// The `alg` is not one Tessera accepts (this includes `none` in any casing).
        public static let unsupportedAlgorithm = Code("unsupportedAlgorithm")
        /// The header carries a `crit` list; Tessera understands no extensions, so it must refuse.
        public static let unsupportedCritical = Code("unsupportedCritical")
        /// A required claim is absent.
        public static let missingClaim = Code("missingClaim")
        /// A claim is present with the wrong type or an out-of-range value.
        public static let invalidClaim = Code("invalidClaim")
        /// A JWK is incomplete or of a kind Tessera cannot use.
        public static let invalidKey = Code("invalidKey")
        /// A template names a claim that belongs to the service.
        public static let reservedClaim = Code("reservedClaim")
        /// A template holds a shortcode that does not parse.
        public static let invalidShortcode = Code("invalidShortcode")
        /// A template setting (lifetime, clock skew, name) is out of range.
        public static let invalidTemplate = Code("invalidTemplate")
        /// The rendered token would exceed the size budget.
        public static let tokenTooLarge = Code("tokenTooLarge")
        /// A requested lifetime is out of range.
        public static let invalidLifetime = Code("invalidLifetime")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }

    public static func == (lhs: TokenError, rhs: TokenError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
