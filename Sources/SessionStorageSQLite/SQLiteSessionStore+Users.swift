import GRDB
public import SessionStorage

extension SQLiteSessionStore {
    public func createUser(_ user: User, audit: AuditDraft?) async throws(StorageError) {
        try user.checkStorable()
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM instance WHERE id = ?", arguments: [user.instanceID]) != nil else {
                throw Self.missing("instance", user.instanceID)
            }
            try db.execute(
                sql: """
                    INSERT INTO user (id, instance_id, external_id, first_name, last_name, username, image_url,
                        primary_email_address_id, primary_phone_number_id, public_metadata, private_metadata, unsafe_metadata,
                        two_factor_enabled, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: Self.userColumns(user))
            try Self.writeContacts(db, user)
            try Self.appendAudit(db, instanceID: user.instanceID, audit)
        }
    }

    static func userColumns(_ user: User) -> StatementArguments {
        [
            user.id, user.instanceID, user.externalID, user.firstName, user.lastName, user.username, user.imageURL,
            user.primaryEmailAddressID, user.primaryPhoneNumberID, user.publicMetadata, user.privateMetadata,
            user.unsafeMetadata, user.twoFactorEnabled, user.createdAt, user.updatedAt,
        ]
    }

    /// Email addresses and phone numbers are rows of their own, kept in the user's order.
    static func writeContacts(_ db: Database, _ user: User) throws {
        try db.execute(sql: "DELETE FROM email_address WHERE user_id = ?", arguments: [user.id])
        try db.execute(sql: "DELETE FROM phone_number WHERE user_id = ?", arguments: [user.id])
        for (position, email) in user.emailAddresses.enumerated() {
            try db.execute(
                sql: "INSERT INTO email_address (id, user_id, position, email_address, verified) VALUES (?, ?, ?, ?, ?)",
                arguments: [email.id, user.id, position, email.emailAddress, email.verified])
        }
        for (position, phone) in user.phoneNumbers.enumerated() {
            try db.execute(
                sql: "INSERT INTO phone_number (id, user_id, position, phone_number, verified) VALUES (?, ?, ?, ?, ?)",
                arguments: [phone.id, user.id, position, phone.phoneNumber, phone.verified])
        }
        try writeIdentifiers(db, user)
    }

    static func decodeUser(_ db: Database, _ row: Row) throws -> User {
        let id: String = row["id"]
        let emails = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM email_address WHERE user_id = ? ORDER BY position"), arguments: [id]).map {
            User.EmailAddress(id: $0["id"], emailAddress: $0["email_address"], verified: $0["verified"])
        }
        let phones = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM phone_number WHERE user_id = ? ORDER BY position"), arguments: [id]).map {
            User.PhoneNumber(id: $0["id"], phoneNumber: $0["phone_number"], verified: $0["verified"])
        }
        return User(
            id: id, instanceID: row["instance_id"], externalID: row["external_id"], firstName: row["first_name"],
            lastName: row["last_name"], username: row["username"], imageURL: row["image_url"], emailAddresses: emails,
            primaryEmailAddressID: row["primary_email_address_id"], phoneNumbers: phones,
            primaryPhoneNumberID: row["primary_phone_number_id"], publicMetadata: row["public_metadata"],
            privateMetadata: row["private_metadata"], unsafeMetadata: row["unsafe_metadata"],
            twoFactorEnabled: row["two_factor_enabled"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    public func user(instanceID: String, id: String) async throws(StorageError) -> User? {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in
            // Cached statements: every template token reads its user, and preparing costs more than the query.
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM user WHERE id = ? AND instance_id = ? AND deleted_at IS NULL"), arguments: [id, instanceID]
            ).map { try Self.decodeUser(db, $0) }
        }
    }

    public func user(instanceID: String, externalID: String) async throws(StorageError) -> User? {
        guard StoredText.isClean(externalID), StoredText.isClean(instanceID) else { return nil }
        return try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM user WHERE instance_id = ? AND external_id = ? AND deleted_at IS NULL", arguments: [instanceID, externalID]
            ).map { try Self.decodeUser(db, $0) }
        }
    }

    public func updateUser(_ user: User, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation {
        try user.checkStorable()
        return try await write { db in
            try db.execute(
                sql: """
                    UPDATE user SET external_id = ?, first_name = ?, last_name = ?, username = ?, image_url = ?,
                        primary_email_address_id = ?, primary_phone_number_id = ?, public_metadata = ?, private_metadata = ?,
                        unsafe_metadata = ?, two_factor_enabled = ?, updated_at = ?
                    WHERE id = ? AND instance_id = ? AND deleted_at IS NULL
                    """,
                arguments: [
                    user.externalID, user.firstName, user.lastName, user.username, user.imageURL, user.primaryEmailAddressID,
                    user.primaryPhoneNumberID, user.publicMetadata, user.privateMetadata, user.unsafeMetadata,
                    user.twoFactorEnabled, user.updatedAt, user.id, user.instanceID,
                ])
            guard db.changesCount == 1 else { throw Self.missing("user", user.id) }
            try Self.writeContacts(db, user)
            try Self.appendAudit(db, instanceID: user.instanceID, audit)
            return try Self.appendRevocation(
                db, instanceID: user.instanceID, target: .userUpdated(id: user.id), at: user.updatedAt, retainUntil: retainUntil)
        }
    }

    public func deleteUser(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) async throws(StorageError) -> Revocation {
        guard StoredText.isClean(id), StoredText.isClean(instanceID) else { throw Self.missing("user", id) }
        return try await write { db in
            try db.execute(
                sql: "UPDATE user SET deleted_at = ?, updated_at = ? WHERE id = ? AND instance_id = ? AND deleted_at IS NULL",
                arguments: [at, at, id, instanceID])
            guard db.changesCount == 1 else { throw Self.missing("user", id) }
            try db.execute(sql: "DELETE FROM email_address WHERE user_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM phone_number WHERE user_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM user_identifier WHERE user_id = ?", arguments: [id])
            return try Self.revokeAll(db, instanceID: instanceID, userID: id, except: nil, at: at, retainUntil: retainUntil, audit: audit)
        }
    }
}
