import GRDB
public import SessionStorage

/// Clerk's user filters in SQL with bound parameters; identifier filters go through
/// `user_identifier`'s primary key, ids through the user table's, external ids through
/// `user_by_external_id`. The in-memory twin answers the same (`InMemorySessionStore+Users`).
extension SQLiteSessionStore {
    public func users(_ query: UserQuery) async throws(StorageError) -> Page<User> {
        guard query.isClean else { return Page(items: [], totalCount: 0) }
        let (filter, arguments) = Self.userFilter(query)
        let direction = query.descending ? "DESC" : "ASC"
        let order = "\(Self.orderColumn(query.orderBy)) \(direction), u.id \(direction)"
        return try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM user u WHERE \(filter)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT u.* FROM user u WHERE \(filter) ORDER BY \(order) LIMIT ? OFFSET ?",
                arguments: arguments + [query.limit, query.offset])
            return Page(items: try rows.map { try Self.decodeUser(db, $0) }, totalCount: total)
        }
    }

    public func userCount(_ query: UserQuery) async throws(StorageError) -> Int {
        guard query.isClean else { return 0 }
        let (filter, arguments) = Self.userFilter(query)
        return try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM user u WHERE \(filter)", arguments: arguments) ?? 0 }
    }

    public func clients(instanceID: String, limit: Int, offset: Int) async throws(StorageError) -> Page<Client> {
        guard StoredText.isClean(instanceID) else { return Page(items: [], totalCount: 0) }
        return try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM client WHERE instance_id = ?", arguments: [instanceID]) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM client WHERE instance_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                arguments: [instanceID, limit, offset])
            let clients = rows.map { Client(id: $0["id"], instanceID: $0["instance_id"], createdAt: $0["created_at"], updatedAt: $0["updated_at"]) }
            return Page(items: clients, totalCount: total)
        }
    }

    /// Replaces the user's rows in `user_identifier`; the primary key refuses an identifier another
    /// live user of the instance holds, inside the caller's transaction (two processes racing: one wins).
    static func writeIdentifiers(_ db: Database, _ user: User) throws {
        try db.execute(sql: "DELETE FROM user_identifier WHERE user_id = ?", arguments: [user.id])
        for identifier in user.identifiers {
            do {
                try db.execute(
                    sql: "INSERT INTO user_identifier (instance_id, kind, key, user_id) VALUES (?, ?, ?, ?)",
                    arguments: [user.instanceID, identifier.kind.rawValue, identifier.key, user.id])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw StorageError.identifierTaken(identifier.kind)
            }
        }
    }

    private static func orderColumn(_ field: UserQuery.Field) -> String {
        switch field {
        case .createdAt: "u.created_at"
        case .updatedAt: "u.updated_at"
        case .emailAddress: "(SELECT email_address FROM email_address WHERE id = u.primary_email_address_id)"
        case .phoneNumber: "(SELECT phone_number FROM phone_number WHERE id = u.primary_phone_number_id)"
        case .username: "u.username"
        case .firstName: "u.first_name"
        case .lastName: "u.last_name"
        }
    }

    /// The WHERE clause over `user u` and its arguments, in order of their `?`.
    private static func userFilter(_ query: UserQuery) -> (String, StatementArguments) {
        // With a list of ids or identifiers, the few users are found by primary key: the unary `+` keeps
        // SQLite from walking the whole tenant in `user_by_instance` order instead (EXPLAIN QUERY PLAN).
        let byKey = !(query.emailAddresses + query.usernames + query.phoneNumbers + query.userIDs).isEmpty
        var conditions = [byKey ? "+u.instance_id = ?" : "u.instance_id = ?", "u.deleted_at IS NULL"]
        var arguments: [(any DatabaseValueConvertible)?] = [query.instanceID]
        func list(_ values: [String]) -> String {
            arguments += values.map { $0 as (any DatabaseValueConvertible)? }
            return Array(repeating: "?", count: values.count).joined(separator: ", ")
        }
        func identifiers(_ kind: UserIdentifier.Kind, _ values: [String]) {
            guard !values.isEmpty else { return }
            arguments += [query.instanceID, kind.rawValue]
            let keys = list(values.map { UserIdentifier(kind: kind, value: $0).key })
            conditions.append("u.id IN (SELECT user_id FROM user_identifier WHERE instance_id = ? AND kind = ? AND key IN (\(keys)))")
        }
        identifiers(.emailAddress, query.emailAddresses)
        identifiers(.username, query.usernames)
        identifiers(.phoneNumber, query.phoneNumbers)
        if !query.userIDs.isEmpty { conditions.append("u.id IN (\(list(query.userIDs)))") }
        if !query.excludedUserIDs.isEmpty { conditions.append("u.id NOT IN (\(list(query.excludedUserIDs)))") }
        if !query.externalIDs.isEmpty { conditions.append("u.external_id IN (\(list(query.externalIDs)))") }
        if !query.excludedExternalIDs.isEmpty {
            // NOT IN over a NULL is NULL: a user without an external id is not excluded.
            conditions.append("(u.external_id IS NULL OR u.external_id NOT IN (\(list(query.excludedExternalIDs))))")
        }
        if let text = query.text, !text.isEmpty {
            let key = User.identifierKey(text)
            arguments += Array(repeating: key, count: 7)
            conditions.append("""
                (instr(swiftLowercaseString(u.id), ?) > 0 OR instr(swiftLowercaseString(u.external_id), ?) > 0
                    OR instr(swiftLowercaseString(u.username), ?) > 0 OR instr(swiftLowercaseString(u.first_name), ?) > 0
                    OR instr(swiftLowercaseString(u.last_name), ?) > 0
                    OR EXISTS (SELECT 1 FROM email_address e WHERE e.user_id = u.id AND instr(swiftLowercaseString(e.email_address), ?) > 0)
                    OR EXISTS (SELECT 1 FROM phone_number p WHERE p.user_id = u.id AND instr(swiftLowercaseString(p.phone_number), ?) > 0))
                """)
        }
        return (conditions.joined(separator: " AND "), StatementArguments(arguments))
    }
}
