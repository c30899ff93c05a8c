/// Which users to list or count: always within one instance, Clerk's `GET /v1/users` filters.
///
/// Values within one filter are alternatives (any of them matches); filters combine (all must
/// match). Email addresses and usernames match case-insensitively (`User.identifierKey`), every
/// other value exactly. `text` is a case-insensitive substring of an email address, phone number,
/// username, first or last name, id or external id.
public struct UserQuery: Sendable, Hashable {
    /// A column users are ordered by; ties are broken by id in the same direction.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        /// The primary email address (users without one sort as empty).
        case emailAddress = "email_address"
        /// The primary phone number.
        case phoneNumber = "phone_number"
        case username
        case firstName = "first_name"
        case lastName = "last_name"
    }

    public var instanceID: String
    public var emailAddresses: [String]
    public var phoneNumbers: [String]
    public var usernames: [String]
    /// Ids to include (when not empty) and to exclude.
    public var userIDs: [String]
    public var excludedUserIDs: [String]
    public var externalIDs: [String]
    public var excludedExternalIDs: [String]
    public var text: String?
    public var orderBy: Field
    public var descending: Bool
    public var limit: Int
    public var offset: Int

    public init(
        instanceID: String, emailAddresses: [String] = [], phoneNumbers: [String] = [], usernames: [String] = [],
        userIDs: [String] = [], excludedUserIDs: [String] = [], externalIDs: [String] = [], excludedExternalIDs: [String] = [],
        text: String? = nil, orderBy: Field = .createdAt, descending: Bool = true, limit: Int = 10, offset: Int = 0
    ) {
        self.instanceID = instanceID
        self.emailAddresses = emailAddresses
        self.phoneNumbers = phoneNumbers
        self.usernames = usernames
        self.userIDs = userIDs
        self.excludedUserIDs = excludedUserIDs
        self.externalIDs = externalIDs
        self.excludedExternalIDs = excludedExternalIDs
        self.text = text
        self.orderBy = orderBy
        self.descending = descending
        self.limit = limit
        self.offset = offset
    }

    /// Every text the query binds, so a driver can refuse control characters before binding.
    var texts: [String] {
        [instanceID] + emailAddresses + phoneNumbers + usernames + userIDs + excludedUserIDs + externalIDs + excludedExternalIDs
            + (text.map { [$0] } ?? [])
    }

    /// Whether every value is free of control characters (a value with one matches nothing: no
    /// stored text holds one).
    public var isClean: Bool { texts.allSatisfy(StoredText.isClean) }
}

/// A value that identifies one user of an instance: no two live users of an instance share one.
public struct UserIdentifier: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case emailAddress = "email_address"
        case username
        case phoneNumber = "phone_number"
    }

    public var kind: Kind
    /// The comparison key: lowercased (Clerk treats emails and usernames case-insensitively).
    public var key: String

    public init(kind: Kind, value: String) {
        self.kind = kind
        key = User.identifierKey(value)
    }
}

extension User {
    /// The form identifiers are compared in: Swift's full Unicode lowercasing, which SQLite's
    /// `swiftLowercaseString` (registered by GRDB on every connection) applies too.
    public static func identifierKey(_ value: String) -> String { value.lowercased() }

    /// The user's identifiers, each once.
    public var identifiers: [UserIdentifier] {
        var all: [UserIdentifier] = []
        func add(_ identifier: UserIdentifier) { if !all.contains(identifier) { all.append(identifier) } }
        for email in emailAddresses { add(UserIdentifier(kind: .emailAddress, value: email.emailAddress)) }
        if let username { add(UserIdentifier(kind: .username, value: username)) }
        for phone in phoneNumbers { add(UserIdentifier(kind: .phoneNumber, value: phone.phoneNumber)) }
        return all
    }
}

extension StorageError {
    /// A live user of the instance already has this identifier.
    public static func identifierTaken(_ kind: UserIdentifier.Kind) -> StorageError {
        StorageError(.conflict, "\(kind.rawValue) is taken", field: kind.rawValue)
    }
}
