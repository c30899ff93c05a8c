/// Why a token was refused. Every rejection carries a code; two errors are equal on the code.
public struct VerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Over the size cap; refused before any parsing.
        public static let tokenTooLarge = Code("tokenTooLarge")
        /// Not three base64url parts, bad JSON, duplicate members, a `crit` header, a wrong `typ`.
        public static let malformed = Code("malformed")
        /// `alg` is not one Tessera accepts (`none` in any casing included).
        public static let unsupportedAlgorithm = Code("unsupportedAlgorithm")
        /// No key has exactly this `kid` (there is no fallback key).
        public static let unknownKeyID = Code("unknownKeyID")
        /// The header's `alg` is not the algorithm the key is pinned to.
        public static let algorithmMismatch = Code("algorithmMismatch")
        /// The signature does not verify.
        public static let badSignature = Code("badSignature")
        /// A registered claim has the wrong type.
        public static let invalidClaim = Code("invalidClaim")
        /// `exp`, `iat`, `sub` (or `sid` when required) is absent.
        public static let missingClaim = Code("missingClaim")
        public static let expired = Code("expired")
        public static let notYetValid = Code("notYetValid")
        public static let issuedInFuture = Code("issuedInFuture")
        public static let wrongIssuer = Code("wrongIssuer")
        public static let unauthorizedParty = Code("unauthorizedParty")
        public static let wrongAudience = Code("wrongAudience")
        /// The session, or every session of the user issued before a cut-off, was revoked.
        public static let revoked = Code("revoked")
        /// The revocation list has not been confirmed current within its staleness limit (or not
        /// loaded yet): every token is refused until the feed is reached again.
        public static let revocationsStale = Code("revocationsStale")
        /// `VerifierSync` could not fetch or read the JWKS or the revocation feed (never a token's fault).
        public static let syncFailed = Code("syncFailed")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
    public static func == (lhs: VerificationError, rhs: VerificationError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
