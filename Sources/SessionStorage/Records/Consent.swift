/// A user's consent to an OAuth client of the tenant: the client may hold tokens for the user with
/// these scopes until the consent is revoked. Tokens minted for a client carry its id in the
/// `client_id` claim (RFC 9068), and revoking the consent appends one entry that refuses those
/// tokens of that user at every verifier.
public struct Consent: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case active, revoked
    }

    /// `cnst_` and 32 lowercase hex digits.
    public var id: String
    public var instanceID: String
    public var userID: String
    /// The OAuth client's id as the tenant's OAuth server names it.
    public var clientID: String
    public var clientName: String
    public var scopes: [String]
    public var status: Status
    /// Unix milliseconds, all of them.
    public var grantedAt: Int64
    public var revokedAt: Int64?
    /// When a token was last minted for the client and user (to within the touch interval).
    public var lastUsedAt: Int64?

    public init(
        id: String, instanceID: String, userID: String, clientID: String, clientName: String, scopes: [String], status: Status = .active,
        grantedAt: Int64, revokedAt: Int64? = nil, lastUsedAt: Int64? = nil
    ) {
        self.id = id
        self.instanceID = instanceID
        self.userID = userID
        self.clientID = clientID
        self.clientName = clientName
        self.scopes = scopes
        self.status = status
        self.grantedAt = grantedAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    /// Every text field, for `StoredText.check` (scopes are stored space-separated, so none may hold a space).
    public func checkStorable() throws(StorageError) {
        try StoredText.check([
            "id": id, "instance_id": instanceID, "user_id": userID, "client_id": clientID, "client_name": clientName,
        ])
        for scope in scopes {
            try StoredText.check(["scope": scope])
            guard !scope.isEmpty, !scope.utf8.contains(UInt8(ascii: " ")) else { throw StorageError(.constraint, "a scope is empty or holds a space") }
        }
    }
}
