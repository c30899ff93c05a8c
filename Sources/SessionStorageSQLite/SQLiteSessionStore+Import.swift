import GRDB
public import SessionStorage

extension SQLiteSessionStore {
    /// Loads users, clients and sessions in one transaction with prepared statements: for migrating
    /// from another provider, and for benchmarks. All or nothing; the same constraints apply.
    public func importRecords(users: [User], clients: [Client], sessions: [Session]) async throws(StorageError) {
        try await write { db in
            let user = try db.cachedStatement(sql: """
                INSERT INTO user (id, instance_id, external_id, first_name, last_name, username, image_url,
                    primary_email_address_id, primary_phone_number_id, public_metadata, private_metadata, unsafe_metadata,
                    two_factor_enabled, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for record in users {
                try user.execute(arguments: Self.userColumns(record))
                try Self.writeContacts(db, record)
            }
            let client = try db.cachedStatement(sql: "INSERT INTO client (id, instance_id, created_at, updated_at) VALUES (?, ?, ?, ?)")
            for record in clients { try client.execute(arguments: [record.id, record.instanceID, record.createdAt, record.updatedAt]) }
            let session = try db.cachedStatement(sql: Self.insertSessionSQL)
            for record in sessions { try session.execute(arguments: Self.sessionColumns(record)) }
        }
    }
}
