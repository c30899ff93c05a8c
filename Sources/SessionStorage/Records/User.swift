/// A user, in the minimal Clerk shape Tessera needs for sessions and template shortcodes.
///
/// Metadata are JSON object texts: this module imports no JSON model, and the store keeps them
/// as given (the layer above validates them).
public struct User: Sendable, Hashable {
    public struct EmailAddress: Sendable, Hashable {
        public var id: String
        public var emailAddress: String
        public var verified: Bool
        public init(id: String, emailAddress: String, verified: Bool) {
            self.id = id
            self.emailAddress = emailAddress
            self.verified = verified
        }
    }

    public struct PhoneNumber: Sendable, Hashable {
        public var id: String
        public var phoneNumber: String
        public var verified: Bool
        public init(id: String, phoneNumber: String, verified: Bool) {
            self.id = id
            self.phoneNumber = phoneNumber
            self.verified = verified
        }
    }

    public var id: String
    public var instanceID: String
    public var externalID: String?
    public var firstName: String?
    public var lastName: String?
    public var username: String?
    public var imageURL: String?
    public var emailAddresses: [EmailAddress]
    public var primaryEmailAddressID: String?
    public var phoneNumbers: [PhoneNumber]
    public var primaryPhoneNumberID: String?
    public var publicMetadata: String
    public var privateMetadata: String
    public var unsafeMetadata: String
    public var twoFactorEnabled: Bool
    /// Unix milliseconds.
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        id: String, instanceID: String, externalID: String? = nil, firstName: String? = nil, lastName: String? = nil,
        username: String? = nil, imageURL: String? = nil, emailAddresses: [EmailAddress] = [],
        primaryEmailAddressID: String? = nil, phoneNumbers: [PhoneNumber] = [], primaryPhoneNumberID: String? = nil,
        publicMetadata: String = "{}", privateMetadata: String = "{}", unsafeMetadata: String = "{}",
        twoFactorEnabled: Bool = false, createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.instanceID = instanceID
        self.externalID = externalID
        self.firstName = firstName
        self.lastName = lastName
        self.username = username
        self.imageURL = imageURL
        self.emailAddresses = emailAddresses
        self.primaryEmailAddressID = primaryEmailAddressID
        self.phoneNumbers = phoneNumbers
        self.primaryPhoneNumberID = primaryPhoneNumberID
        self.publicMetadata = publicMetadata
        self.privateMetadata = privateMetadata
        self.unsafeMetadata = unsafeMetadata
        self.twoFactorEnabled = twoFactorEnabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A browser or device a user signs in from; sessions belong to one.
public struct Client: Sendable, Hashable {
    public var id: String
    public var instanceID: String
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(id: String, instanceID: String, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.instanceID = instanceID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
