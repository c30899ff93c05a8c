import PostgresNIO
public import SessionStorage

extension PostgresSessionStore {
    public func createUser(_ user: User, audit: AuditDraft?) async throws(StorageError) {
        try user.checkStorable()
        try await write { db in
            guard try await db.exists("SELECT 1 FROM instance WHERE id = \(user.instanceID)") else { throw Self.missing("instance", user.instanceID) }
            try await db.execute("""
                INSERT INTO app_user (id, instance_id, external_id, first_name, last_name, username, image_url, primary_email_address_id,
                    primary_phone_number_id, public_metadata, private_metadata, unsafe_metadata, two_factor_enabled, created_at, updated_at, search_key)
                VALUES (\(user.id), \(user.instanceID), \(user.externalID), \(user.firstName), \(user.lastName), \(user.username), \(user.imageURL),
                    \(user.primaryEmailAddressID), \(user.primaryPhoneNumberID), \(user.publicMetadata), \(user.privateMetadata),
                    \(user.unsafeMetadata), \(user.twoFactorEnabled), \(user.createdAt), \(user.updatedAt), \(Self.searchKey(user)))
                """)
            try await Self.writeContacts(db, user)
            try await Self.appendAudit(db, instanceID: user.instanceID, audit)
        }
    }

    /// Email addresses and phone numbers are rows of their own, kept in the user's order.
    static func writeContacts(_ db: Database, _ user: User) async throws {
        try await db.execute("DELETE FROM email_address WHERE user_id = \(user.id)")
        try await db.execute("DELETE FROM phone_number WHERE user_id = \(user.id)")
        for (position, email) in user.emailAddresses.enumerated() {
            try await db.execute("""
                INSERT INTO email_address (id, user_id, position, email_address, verified)
                VALUES (\(email.id), \(user.id), \(Int32(clamping: position)), \(email.emailAddress), \(email.verified))
                """)
        }
        for (position, phone) in user.phoneNumbers.enumerated() {
            try await db.execute("""
                INSERT INTO phone_number (id, user_id, position, phone_number, verified)
                VALUES (\(phone.id), \(user.id), \(Int32(clamping: position)), \(phone.phoneNumber), \(phone.verified))
                """)
        }
        try await writeIdentifiers(db, user)
    }

    /// Users with their contacts: two more queries for the whole page, not two per user.
    static func decodeUsers(_ db: Database, _ rows: [Row]) async throws -> [User] {
        let ids = try rows.map { try $0.text("id") }
        guard !ids.isEmpty else { return [] }
        var emails: [String: [User.EmailAddress]] = [:]
        for row in try await db.rows("SELECT * FROM email_address WHERE user_id = ANY(\(ids)) ORDER BY user_id, position") {
            emails[try row.text("user_id"), default: []].append(
                User.EmailAddress(id: try row.text("id"), emailAddress: try row.text("email_address"), verified: try row.bool("verified")))
        }
        var phones: [String: [User.PhoneNumber]] = [:]
        for row in try await db.rows("SELECT * FROM phone_number WHERE user_id = ANY(\(ids)) ORDER BY user_id, position") {
            phones[try row.text("user_id"), default: []].append(
                User.PhoneNumber(id: try row.text("id"), phoneNumber: try row.text("phone_number"), verified: try row.bool("verified")))
        }
        return try rows.map { row in
            let id = try row.text("id")
            return User(
                id: id, instanceID: try row.text("instance_id"), externalID: try row.optionalText("external_id"),
                firstName: try row.optionalText("first_name"), lastName: try row.optionalText("last_name"), username: try row.optionalText("username"),
                imageURL: try row.optionalText("image_url"), emailAddresses: emails[id] ?? [],
                primaryEmailAddressID: try row.optionalText("primary_email_address_id"), phoneNumbers: phones[id] ?? [],
                primaryPhoneNumberID: try row.optionalText("primary_phone_number_id"), publicMetadata: try row.text("public_metadata"),
                privateMetadata: try row.text("private_metadata"), unsafeMetadata: try row.text("unsafe_metadata"),
                twoFactorEnabled: try row.bool("two_factor_enabled"), createdAt: try row.int("created_at"), updatedAt: try row.int("updated_at"))
        }
    }

    public func user(instanceID: String, id: String) async throws(StorageError) -> User? {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in
            let rows = try await db.rows("SELECT * FROM app_user WHERE id = \(id) AND instance_id = \(instanceID) AND deleted_at IS NULL")
            return try await Self.decodeUsers(db, rows).first
        }
    }

    public func user(instanceID: String, externalID: String) async throws(StorageError) -> User? {
        guard StoredText.isClean(externalID), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in
            let rows = try await db.rows(
                "SELECT * FROM app_user WHERE instance_id = \(instanceID) AND external_id = \(externalID) AND deleted_at IS NULL")
            return try await Self.decodeUsers(db, rows).first
        }
    }

    public func updateUser(_ user: User, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation {
        try user.checkStorable()
        return try await write { db in
            guard try await db.exists("""
                UPDATE app_user SET external_id = \(user.externalID), first_name = \(user.firstName), last_name = \(user.lastName),
                    username = \(user.username), image_url = \(user.imageURL), primary_email_address_id = \(user.primaryEmailAddressID),
                    primary_phone_number_id = \(user.primaryPhoneNumberID), public_metadata = \(user.publicMetadata),
                    private_metadata = \(user.privateMetadata), unsafe_metadata = \(user.unsafeMetadata),
                    two_factor_enabled = \(user.twoFactorEnabled), updated_at = \(user.updatedAt), search_key = \(Self.searchKey(user))
                WHERE id = \(user.id) AND instance_id = \(user.instanceID) AND deleted_at IS NULL RETURNING 1
                """)
            else { throw Self.missing("user", user.id) }
            try await Self.writeContacts(db, user)
            try await Self.appendAudit(db, instanceID: user.instanceID, audit)
            return try await Self.appendRevocation(
                db, instanceID: user.instanceID, target: .userUpdated(id: user.id), at: user.updatedAt, retainUntil: retainUntil)
        }
    }

    public func deleteUser(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("user", id) }
        return try await write { db in
            // The row lock also waits for a session being created for the user (it holds FOR SHARE): that
            // session is committed, and revoked below, or sees the user deleted.
            guard try await db.exists("""
                UPDATE app_user SET deleted_at = \(at), updated_at = \(at)
                WHERE id = \(id) AND instance_id = \(instanceID) AND deleted_at IS NULL RETURNING 1
                """)
            else { throw Self.missing("user", id) }
            try await db.execute("DELETE FROM email_address WHERE user_id = \(id)")
            try await db.execute("DELETE FROM phone_number WHERE user_id = \(id)")
            try await db.execute("DELETE FROM user_identifier WHERE user_id = \(id)")
            return try await Self.revokeAll(db, instanceID: instanceID, userID: id, except: nil, at: at, retainUntil: retainUntil, audit: audit)
        }
    }
}
