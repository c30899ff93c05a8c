public import SessionStorage
public import SessionTokens

/// What the API may set on a user. `nil` leaves a field as it is (on update) or empty (on create).
public struct UserDraft: Sendable {
    public var externalID: String?
    public var firstName: String?
    public var lastName: String?
    public var username: String?
    public var imageURL: String?
    public var emailAddresses: [String]?
    public var phoneNumbers: [String]?
    public var publicMetadata: JSONObject?
    public var privateMetadata: JSONObject?
    public var unsafeMetadata: JSONObject?

    public init(
        externalID: String? = nil, firstName: String? = nil, lastName: String? = nil, username: String? = nil,
        imageURL: String? = nil, emailAddresses: [String]? = nil, phoneNumbers: [String]? = nil,
        publicMetadata: JSONObject? = nil, privateMetadata: JSONObject? = nil, unsafeMetadata: JSONObject? = nil
    ) {
        self.externalID = externalID
        self.firstName = firstName
        self.lastName = lastName
        self.username = username
        self.imageURL = imageURL
        self.emailAddresses = emailAddresses
        self.phoneNumbers = phoneNumbers
        self.publicMetadata = publicMetadata
        self.privateMetadata = privateMetadata
        self.unsafeMetadata = unsafeMetadata
    }
}

extension SessionManager {
    /// Clerk's limit for each metadata object, serialised.
    static let metadataLimit = 8192

    public func createUser(in instance: Instance, _ draft: UserDraft) async throws(ManagementError) -> User {
        let now = clock()
        var user = User(id: try newID("user"), instanceID: instance.id, createdAt: now, updatedAt: now)
        try apply(draft, to: &user)
        let audit = try auditDraft("user.created", userID: user.id, at: now)
        let created = user
        try await storage { () async throws(StorageError) in try await store.createUser(created, audit: audit) }
        return user
    }

    /// The user, from memory when this process read them since their last change.
    public func user(in instance: Instance, id: String) async throws(ManagementError) -> User {
        try await cachedUser(in: instance, id: id).user
    }

    /// The user as the store has them now: what an update starts from.
    func storedUser(in instance: Instance, id: String) async throws(ManagementError) -> User {
        guard let user = try await storage({ () async throws(StorageError) in try await store.user(instanceID: instance.id, id: id) }) else {
            throw .notFound(.user, id)
        }
        return user
    }

    public func users(in instance: Instance, limit: Int = 10, offset: Int = 0) async throws(ManagementError) -> Page<User> {
        try await users(in: instance, UserQuery(instanceID: instance.id, limit: limit, offset: offset))
    }

    /// The users matching `query` (its instance is replaced by `instance`: a caller cannot reach another tenant).
    public func users(in instance: Instance, _ query: UserQuery) async throws(ManagementError) -> Page<User> {
        try Self.checkPaging(limit: query.limit, offset: query.offset)
        var scoped = query
        scoped.instanceID = instance.id
        return try await storage { () async throws(StorageError) in try await store.users(scoped) }
    }

    public func userCount(in instance: Instance, _ query: UserQuery) async throws(ManagementError) -> Int {
        var scoped = query
        scoped.instanceID = instance.id
        return try await storage { () async throws(StorageError) in try await store.userCount(scoped) }
    }

    public func updateUser(in instance: Instance, id: String, _ draft: UserDraft) async throws(ManagementError) -> User {
        try await startRevocations()
        var user = try await storedUser(in: instance, id: id)  // from the store: a cached copy would undo another process's change
        try apply(draft, to: &user)
        return try await save(user)
    }

    /// Clerk's `PATCH /v1/users/{id}/metadata`: each given object is deep-merged into the stored one
    /// (`JSONObject.mergingMetadata`), then checked like a whole new value (size, control characters).
    public func updateUserMetadata(
        in instance: Instance, id: String, public publicPatch: JSONObject?, private privatePatch: JSONObject?, unsafe unsafePatch: JSONObject?
    ) async throws(ManagementError) -> User {
        try await startRevocations()
        var user = try await storedUser(in: instance, id: id)
        func merged(_ stored: String, _ patch: JSONObject?, _ name: String) throws(ManagementError) -> String {
            guard let patch else { return stored }
            let base = (try? JSONParser.parseObject(Array(stored.utf8))) ?? JSONObject()
            return try Self.metadata(base.mergingMetadata(patch), name)
        }
        user.publicMetadata = try merged(user.publicMetadata, publicPatch, "public_metadata")
        user.privateMetadata = try merged(user.privateMetadata, privatePatch, "private_metadata")
        user.unsafeMetadata = try merged(user.unsafeMetadata, unsafePatch, "unsafe_metadata")
        return try await save(user)
    }

    /// Stores a changed user with its audit event and tells every view (user caches, template
    /// tokens) before answering.
    private func save(_ changed: User) async throws(ManagementError) -> User {
        var user = changed
        user.updatedAt = clock()
        let updated = user
        let audit = try auditDraft("user.updated", userID: updated.id, at: updated.updatedAt)
        let entry = try await storage { () async throws(StorageError) in
            try await store.updateUser(updated, retainUntil: changeRetention(updated.updatedAt), audit: audit)
        }
        try await deliver(entry)
        return updated
    }

    /// Deletes the user and revokes all their tokens with one user-wide entry, template tokens included.
    public func deleteUser(in instance: Instance, id: String) async throws(ManagementError) -> Revocation {
        try await startRevocations()
        let now = clock()
        let audit = try auditDraft("user.deleted", userID: id, at: now)
        let entry = try await storage { () async throws(StorageError) in
            try await store.deleteUser(instanceID: instance.id, id: id, at: now, retainUntil: userWideRetention(now), audit: audit)
        }
        try await deliver(entry)  // before answering: every view, the gateway's too, refuses the user's tokens
        return entry
    }

    /// Entries that only tell processes to drop a copy (a changed user or template) matter for as
    /// long as a process may take to catch up: an hour is ample.
    func changeRetention(_ now: Int64) -> Int64 { now + 3_600_000 }

    /// Entries that revoke every token of a user must outlive the longest token any template can mint.
    func userWideRetention(_ now: Int64) -> Int64 {
        now + (configuration.tokenLifetime.maximumSeconds + configuration.leewaySeconds) * 1000
    }

    private func apply(_ draft: UserDraft, to user: inout User) throws(ManagementError) {
        func text(_ value: String?, _ name: String) throws(ManagementError) -> String? {
            guard let value else { return nil }
            guard value.utf8.count <= 256 else { throw .invalid(name, "\(name) must be at most 256 bytes") }
            guard StoredText.isClean(value) else { throw .invalid(name, "\(name) must not contain control characters") }
            return value
        }
        if let value = try text(draft.externalID, "external_id") { user.externalID = value }
        if let value = try text(draft.firstName, "first_name") { user.firstName = value }
        if let value = try text(draft.lastName, "last_name") { user.lastName = value }
        if let value = try text(draft.username, "username") { user.username = value }
        if let value = try text(draft.imageURL, "image_url") { user.imageURL = value }
        if let emails = draft.emailAddresses {
            var addresses: [User.EmailAddress] = []
            for email in emails {
                guard Self.looksLikeEmail(email) else {
                    let shown = StoredText.isClean(email) ? email : "the value"
                    throw .invalid("email_address", "\(shown) is not a valid email address")
                }
                addresses.append(User.EmailAddress(id: try newID("idn"), emailAddress: email, verified: true))
            }
            user.emailAddresses = addresses
            user.primaryEmailAddressID = addresses.first?.id
        }
        if let phones = draft.phoneNumbers {
            var numbers: [User.PhoneNumber] = []
            for phone in phones {
                guard Self.isE164(phone) else {
                    throw .invalid("phone_number", "phone_number must be E.164: + and 7 to 15 ASCII digits")
                }
                numbers.append(User.PhoneNumber(id: try newID("idn"), phoneNumber: phone, verified: true))
            }
            user.phoneNumbers = numbers
            user.primaryPhoneNumberID = numbers.first?.id
        }
        if let metadata = draft.publicMetadata { user.publicMetadata = try Self.metadata(metadata, "public_metadata") }
        if let metadata = draft.privateMetadata { user.privateMetadata = try Self.metadata(metadata, "private_metadata") }
        if let metadata = draft.unsafeMetadata { user.unsafeMetadata = try Self.metadata(metadata, "unsafe_metadata") }
    }

    static func metadata(_ object: JSONObject, _ name: String) throws(ManagementError) -> String {
        guard Self.isCleanMetadata(.object(object)) else {
            throw .invalid(name, "\(name) must not contain control characters in its keys, or NUL in its values")
        }
        let text = JSONWriter.string(.object(object))
        guard text.utf8.count <= metadataLimit else { throw .invalid(name, "\(name) must be at most \(metadataLimit) bytes") }
        return text
    }

    /// Keys anywhere in the metadata are free of control characters; string values may hold line
    /// breaks and tabs, but no NUL or other C0 character.
    static func isCleanMetadata(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object):
            return object.members.allSatisfy { StoredText.isClean($0.key) && isCleanMetadata($0.value) }
        case .array(let items):
            return items.allSatisfy(isCleanMetadata)
        case .string(let text):
            return !text.utf8.contains { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D) || $0 == 0x7F }
        default:
            return true
        }
    }

    /// `+` and 7 to 15 ASCII digits (Unicode digits such as `٣` are not E.164).
    static func isE164(_ text: String) -> Bool {
        let bytes = text.utf8
        return bytes.first == UInt8(ascii: "+") && (8...16).contains(bytes.count)
            && bytes.dropFirst().allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    static func looksLikeEmail(_ text: String) -> Bool {
        guard StoredText.isClean(text) else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !parts[1].hasPrefix(".")
            && !parts[1].hasSuffix(".") && text.utf8.count <= 320 && !text.contains(where: \.isWhitespace)
    }

    static func checkPaging(limit: Int, offset: Int) throws(ManagementError) {
        guard (1...500).contains(limit) else { throw .invalid("limit", "limit must be between 1 and 500") }
        guard offset >= 0 else { throw .invalid("offset", "offset must be 0 or more") }
    }

    /// The template view of a stored user: metadata texts parsed back into objects.
    static func templateUser(_ user: User) -> TemplateUser {
        func object(_ text: String) -> JSONObject { (try? JSONParser.parseObject(Array(text.utf8))) ?? JSONObject() }
        let email = user.emailAddresses.first { $0.id == user.primaryEmailAddressID }
        let phone = user.phoneNumbers.first { $0.id == user.primaryPhoneNumberID }
        return TemplateUser(
            id: user.id, externalID: user.externalID, firstName: user.firstName, lastName: user.lastName,
            username: user.username, imageURL: user.imageURL, createdAt: user.createdAt, updatedAt: user.updatedAt,
            primaryEmailAddress: email?.emailAddress, primaryPhoneNumber: phone?.phoneNumber,
            emailVerified: email?.verified ?? false, phoneNumberVerified: phone?.verified ?? false,
            twoFactorEnabled: user.twoFactorEnabled, publicMetadata: object(user.publicMetadata),
            unsafeMetadata: object(user.unsafeMetadata))
    }
}
