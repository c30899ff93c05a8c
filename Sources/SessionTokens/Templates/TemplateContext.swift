/// The user a template renders for: the fields Clerk's shortcodes name.
public struct TemplateUser: Sendable, Hashable {
    public var id: String
    public var externalID: String?
    public var firstName: String?
    public var lastName: String?
    public var username: String?
    public var imageURL: String?
    /// Unix milliseconds, as stored; shortcodes render seconds.
    public var createdAt: Int64
    public var updatedAt: Int64
    public var primaryEmailAddress: String?
    public var primaryPhoneNumber: String?
    public var emailVerified: Bool
    public var phoneNumberVerified: Bool
    public var twoFactorEnabled: Bool
    public var publicMetadata: JSONObject
    public var unsafeMetadata: JSONObject

    public init(
        id: String, externalID: String? = nil, firstName: String? = nil, lastName: String? = nil,
        username: String? = nil, imageURL: String? = nil, createdAt: Int64 = 0, updatedAt: Int64 = 0,
        primaryEmailAddress: String? = nil, primaryPhoneNumber: String? = nil, emailVerified: Bool = false,
        phoneNumberVerified: Bool = false, twoFactorEnabled: Bool = false,
        publicMetadata: JSONObject = JSONObject(), unsafeMetadata: JSONObject = JSONObject()
    ) {
        self.id = id
        self.externalID = externalID
        self.firstName = firstName
        self.lastName = lastName
        self.username = username
        self.imageURL = imageURL
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.primaryEmailAddress = primaryEmailAddress
        self.primaryPhoneNumber = primaryPhoneNumber
        self.emailVerified = emailVerified
        self.phoneNumberVerified = phoneNumberVerified
        self.twoFactorEnabled = twoFactorEnabled
        self.publicMetadata = publicMetadata
        self.unsafeMetadata = unsafeMetadata
    }

    /// "First Last", either alone, or `nil` when both are missing.
    public var fullName: String? {
        let parts = [firstName, lastName].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}

/// The session a template renders for.
public struct TemplateSession: Sendable, Hashable {
    public var id: String
    /// The impersonator, `{ "sub": "user_…" }`, when the session is an impersonation.
    public var actor: JSONObject?
    /// Unix milliseconds.
    public var createdAt: Int64
    public var expireAt: Int64

    public init(id: String, actor: JSONObject? = nil, createdAt: Int64, expireAt: Int64) {
        self.id = id
        self.actor = actor
        self.createdAt = createdAt
        self.expireAt = expireAt
    }
}

/// Everything shortcodes can reach, as one JSON tree: `user.*`, `session.*`, and the
/// organisation roots, which render `null` until organisations exist.
public struct TemplateContext: Sendable, Hashable {
    public let root: JSONValue

    public init(user: TemplateUser, session: TemplateSession?) {
        func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
        let userObject: JSONObject = [
            "id": .string(user.id),
            "external_id": optional(user.externalID),
            "first_name": optional(user.firstName),
            "last_name": optional(user.lastName),
            "full_name": optional(user.fullName),
            "username": optional(user.username),
            "image_url": optional(user.imageURL),
            "profile_image_url": optional(user.imageURL),
            "created_at": .integer(user.createdAt / 1000),
            "updated_at": .integer(user.updatedAt / 1000),
            "primary_email_address": optional(user.primaryEmailAddress),
            "primary_phone_number": optional(user.primaryPhoneNumber),
            "email_verified": .bool(user.emailVerified),
            "phone_number_verified": .bool(user.phoneNumberVerified),
            "two_factor_enabled": .bool(user.twoFactorEnabled),
            "public_metadata": .object(user.publicMetadata),
            "unsafe_metadata": .object(user.unsafeMetadata),
            "organizations": .null,
        ]
        var root: JSONObject = ["user": .object(userObject), "org": .null, "org_membership": .null]
        if let session {
            root["session"] = .object([
                "id": .string(session.id),
                "actor": session.actor.map(JSONValue.object) ?? .null,
                "created_at": .integer(session.createdAt / 1000),
                "expire_at": .integer(session.expireAt / 1000),
            ])
        } else {
            root["session"] = .null
        }
        self.root = .object(root)
    }
}
