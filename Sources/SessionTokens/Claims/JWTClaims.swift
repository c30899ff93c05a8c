/// The claims of a Tessera token: registered and Clerk session claims typed, everything else kept
/// in `additional` in document order.
///
/// NumericDate claims (`exp`, `nbf`, `iat`) are whole seconds; a fractional value is refused when
/// decoding rather than rounded one way or the other.
public struct JWTClaims: Sendable, Hashable {
    public var authorizedParty: String?
    public var audience: [String]?
    public var expiresAt: Int64?
    public var factorVerificationAge: [Int64]?
    public var issuedAt: Int64?
    public var issuer: String?
    public var tokenID: String?
    public var notBefore: Int64?
    public var sessionID: String?
    public var sessionStatus: String?
    public var subject: String?
    public var version: Int64?
    /// Claims with no typed field (template claims, `act`, …). Never holds a registered name.
    public var additional: JSONObject {
        get { deferred?.object ?? storedAdditional }
        set {
            storedAdditional = Self.withoutRegistered(newValue)
            deferred = nil
        }
    }
    private var storedAdditional: JSONObject
    /// Set by `parse`: validated JSON decoded on first read of `additional`.
    var deferred: DeferredMembers?

    /// The NumericDates (`exp`, `nbf`, `iat`) a token may carry: 1970 to the end of year 9999. A
    /// value outside is refused as malformed when parsing.
    public static let numericDateRange: ClosedRange<Int64> = 0...253_402_300_799

    /// The names with a typed field; they are always written by the service, never by a template.
    public static let registeredNames: Set<String> = [
        "azp", "aud", "exp", "fva", "iat", "iss", "jti", "nbf", "sid", "sts", "sub", "v",
    ]

    /// Every registered name has at most three bytes, which spares most keys a hash lookup.
    @inline(__always)
    static func isRegistered(_ key: String) -> Bool {
        key.utf8.count <= 3 && registeredNames.contains(key)
    }

    public init(
        authorizedParty: String? = nil, audience: [String]? = nil, expiresAt: Int64? = nil,
        factorVerificationAge: [Int64]? = nil, issuedAt: Int64? = nil, issuer: String? = nil,
        tokenID: String? = nil, notBefore: Int64? = nil, sessionID: String? = nil,
        sessionStatus: String? = nil, subject: String? = nil, version: Int64? = nil,
        additional: JSONObject = JSONObject()
    ) {
        self.authorizedParty = authorizedParty
        self.audience = audience
        self.expiresAt = expiresAt
        self.factorVerificationAge = factorVerificationAge
        self.issuedAt = issuedAt
        self.issuer = issuer
        self.tokenID = tokenID
        self.notBefore = notBefore
        self.sessionID = sessionID
        self.sessionStatus = sessionStatus
        self.subject = subject
        self.version = version
        self.storedAdditional = Self.withoutRegistered(additional)
    }

    /// Claims with every field unset, built in place: `parse` fills them, and going through the public
    /// initialiser (which filters `additional`) cost the parse a copy of the whole struct.
    init(unset: Void) {
        storedAdditional = JSONObject()
    }

    private static func withoutRegistered(_ object: JSONObject) -> JSONObject {
        object.members.contains(where: { isRegistered($0.key) })
            ? JSONObject(uniqueMembers: object.members.filter { !isRegistered($0.key) }) : object
    }

    public static func == (lhs: JWTClaims, rhs: JWTClaims) -> Bool {
        lhs.authorizedParty == rhs.authorizedParty && lhs.audience == rhs.audience && lhs.expiresAt == rhs.expiresAt
            && lhs.factorVerificationAge == rhs.factorVerificationAge && lhs.issuedAt == rhs.issuedAt
            && lhs.issuer == rhs.issuer && lhs.tokenID == rhs.tokenID && lhs.notBefore == rhs.notBefore
            && lhs.sessionID == rhs.sessionID && lhs.sessionStatus == rhs.sessionStatus && lhs.subject == rhs.subject
            && lhs.version == rhs.version && lhs.additional == rhs.additional
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(subject)
        hasher.combine(sessionID)
        hasher.combine(tokenID)
        hasher.combine(issuedAt)
        hasher.combine(additional)
    }
}
