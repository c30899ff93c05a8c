extension TemplateUser {
    /// Reads a user in Clerk's Backend API shape (`id`, `first_name`, `email_addresses` with
    /// `primary_email_address_id`, `public_metadata`, timestamps in milliseconds, …).
    public init(clerkJSON object: JSONObject) throws(TokenError) {
        guard case .string(let id)? = object["id"] else { throw TokenError(.invalidClaim, "user needs an \"id\" string") }
        func text(_ key: String) -> String? { object[key]?.stringValue }
        func flag(_ key: String) -> Bool { object[key]?.boolValue ?? false }
        func metadata(_ key: String) -> JSONObject { object[key]?.objectValue ?? JSONObject() }
        /// The primary entry of a contact list, and whether its verification status is "verified".
        func primary(_ list: String, _ idKey: String, _ valueKey: String) -> (String?, Bool) {
            guard let items = object[list]?.arrayValue else { return (nil, false) }
            let primaryID = text(idKey)
            let chosen = items.first { $0["id"]?.stringValue == primaryID && primaryID != nil } ?? items.first
            guard let chosen else { return (nil, false) }
            let verified = chosen["verification"]?["status"]?.stringValue == "verified"
            return (chosen[valueKey]?.stringValue, verified)
        }
        let (email, emailVerified) = primary("email_addresses", "primary_email_address_id", "email_address")
        let (phone, phoneVerified) = primary("phone_numbers", "primary_phone_number_id", "phone_number")
        self.init(
            id: id, externalID: text("external_id"), firstName: text("first_name"), lastName: text("last_name"),
            username: text("username"), imageURL: text("image_url"),
            createdAt: object["created_at"]?.integerValue ?? 0, updatedAt: object["updated_at"]?.integerValue ?? 0,
            primaryEmailAddress: email, primaryPhoneNumber: phone,
            emailVerified: emailVerified, phoneNumberVerified: phoneVerified,
            twoFactorEnabled: flag("two_factor_enabled"),
            publicMetadata: metadata("public_metadata"), unsafeMetadata: metadata("unsafe_metadata")
        )
    }
}
