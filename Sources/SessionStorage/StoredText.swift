/// The store's second line against control characters, behind the edges' validation.
///
/// SQLite binds text up to its first NUL, so an id with a NUL inside would be stored (and looked
/// up) as its prefix while every in-memory view kept the whole string: a revocation would land on
/// one session and be announced for another. Every driver refuses such text before it binds
/// anything, so no write can be split that way even if an edge forgets to check.
public enum StoredText {
    /// Free of C0 control characters and DEL.
    @inline(__always)
    public static func isClean(_ text: String) -> Bool {
        !text.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }

    /// Throws `constraint` naming the first field that holds a control character.
    public static func check(_ fields: KeyValuePairs<String, String?>) throws(StorageError) {
        for (name, value) in fields {
            if let value, !isClean(value) { throw StorageError(.constraint, "\(name) contains a control character") }
        }
    }
}

extension Session {
    /// Every text column of the session, for `StoredText.check`.
    public func checkStorable() throws(StorageError) {
        try StoredText.check([
            "id": id, "instance_id": instanceID, "user_id": userID, "client_id": clientID, "actor": actor,
            "last_active_organization_id": lastActiveOrganizationID, "auth_method": authMethod,
            "user_agent": activity?.userAgent, "ip_address": activity?.ipAddress, "device_type": activity?.deviceType,
            "browser_name": activity?.browserName, "browser_version": activity?.browserVersion, "os_name": activity?.osName,
            "city": activity?.city, "country": activity?.country, "opened_country": openedCountry, "opened_device": openedDevice,
        ])
    }
}

extension User {
    /// Every text column of the user and its contacts. Metadata is JSON text whose writer escapes
    /// control characters, so a clean check holds for any metadata value.
    public func checkStorable() throws(StorageError) {
        try StoredText.check([
            "id": id, "instance_id": instanceID, "external_id": externalID, "first_name": firstName, "last_name": lastName,
            "username": username, "image_url": imageURL, "primary_email_address_id": primaryEmailAddressID,
            "primary_phone_number_id": primaryPhoneNumberID, "public_metadata": publicMetadata,
            "private_metadata": privateMetadata, "unsafe_metadata": unsafeMetadata,
        ])
        for email in emailAddresses { try StoredText.check(["email_address.id": email.id, "email_address": email.emailAddress]) }
        for phone in phoneNumbers { try StoredText.check(["phone_number.id": phone.id, "phone_number": phone.phoneNumber]) }
    }
}

extension JWTTemplateRecord {
    /// Every text column but the signing key material, which is opaque (a PEM has line breaks).
    public func checkStorable() throws(StorageError) {
        try StoredText.check([
            "id": id, "instance_id": instanceID, "name": name, "claims": claims, "signing_algorithm": signingAlgorithm,
            "signing_key_algorithm": customSigningKey?.algorithm,
        ])
    }
}
