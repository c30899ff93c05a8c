import PostgresNIO
public import SessionStorage

/// Clerk's user filters in SQL with bound parameters, answering exactly as SQLite and the in-memory
/// twin do: identifiers through `user_identifier`'s primary key, Unicode case folding done in Swift
/// (`User.identifierKey`) rather than by the server's locale, orders in byte order with NULL first
/// ascending, ties broken by id in the same direction.
extension PostgresSessionStore {
    public func users(_ query: UserQuery) async throws(StorageError) -> Page<User> {
        guard query.isClean else { return Page(items: [], totalCount: 0) }
        var builder = QueryBuilder()
        let filter = Self.userFilter(query, &builder)
        var count = builder
        count.sql = "SELECT count(*) AS total FROM app_user u WHERE \(filter)"
        let direction = query.descending ? "DESC NULLS LAST" : "ASC NULLS FIRST"
        let limit = builder.bind(max(0, query.limit))
        let offset = builder.bind(max(0, query.offset))
        builder.sql = """
            SELECT u.* FROM app_user u WHERE \(filter)
            ORDER BY \(Self.orderColumn(query.orderBy)) \(direction), u.id \(direction) LIMIT \(limit) OFFSET \(offset)
            """
        let page = builder.query
        let total = count.query
        return try await read { db in
            let matching = try await db.one(total)?.int("total") ?? 0
            return Page(items: try await Self.decodeUsers(db, try await db.rows(page)), totalCount: Int(matching))
        }
    }

    public func userCount(_ query: UserQuery) async throws(StorageError) -> Int {
        guard query.isClean else { return 0 }
        var builder = QueryBuilder()
        let filter = Self.userFilter(query, &builder)
        builder.sql = "SELECT count(*) AS total FROM app_user u WHERE \(filter)"
        let statement = builder.query
        return try await read { db in Int(try await db.one(statement)?.int("total") ?? 0) }
    }

    public func clients(instanceID: String, limit: Int, offset: Int) async throws(StorageError) -> Page<Client> {
        guard StoredText.isClean(instanceID) else { return Page(items: [], totalCount: 0) }
        return try await read { db in
            let total = try await db.one("SELECT count(*) AS total FROM client WHERE instance_id = \(instanceID)")?.int("total") ?? 0
            let clients = try await db.rows("""
                SELECT * FROM client WHERE instance_id = \(instanceID) ORDER BY created_at DESC, id DESC LIMIT \(max(0, limit)) OFFSET \(max(0, offset))
                """
            ).map { row in
                Client(id: try row.text("id"), instanceID: try row.text("instance_id"), createdAt: try row.int("created_at"), updatedAt: try row.int("updated_at"))
            }
            return Page(items: clients, totalCount: Int(total))
        }
    }

    /// Replaces the user's rows in `user_identifier`; the primary key refuses an identifier another
    /// live user of the instance holds, inside the caller's transaction (two nodes racing: the
    /// second waits on the first's uncommitted key, then is refused).
    static func writeIdentifiers(_ db: Database, _ user: User) async throws {
        try await db.execute("DELETE FROM user_identifier WHERE user_id = \(user.id)")
        for identifier in user.identifiers {
            do {
                try await db.execute("""
                    INSERT INTO user_identifier (instance_id, kind, key, user_id)
                    VALUES (\(user.instanceID), \(identifier.kind.rawValue), \(identifier.key), \(user.id))
                    """)
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" && error.serverInfo?[.constraintName] == "user_identifier_taken" {
                throw StorageError.identifierTaken(identifier.kind)
            }
        }
    }

    /// What `UserQuery.text` is searched in (see the `search_key` column).
    static func searchKey(_ user: User) -> String {
        let fields = [user.id, user.externalID, user.username, user.firstName, user.lastName].compactMap { $0 }
            + user.emailAddresses.map(\.emailAddress) + user.phoneNumbers.map(\.phoneNumber)
        return fields.map(User.identifierKey).joined(separator: "\u{1F}")
    }

    /// Byte order (`COLLATE "C"`) whatever the column's collation, as SQLite compares.
    private static func orderColumn(_ field: UserQuery.Field) -> String {
        switch field {
        case .createdAt: "u.created_at"
        case .updatedAt: "u.updated_at"
        case .emailAddress: #"(SELECT email_address FROM email_address WHERE id = u.primary_email_address_id) COLLATE "C""#
        case .phoneNumber: #"(SELECT phone_number FROM phone_number WHERE id = u.primary_phone_number_id) COLLATE "C""#
        case .username: #"u.username COLLATE "C""#
        case .firstName: #"u.first_name COLLATE "C""#
        case .lastName: #"u.last_name COLLATE "C""#
        }
    }

    /// The WHERE clause over `app_user u`, its values bound into `builder`.
    private static func userFilter(_ query: UserQuery, _ builder: inout QueryBuilder) -> String {
        var conditions = ["u.instance_id = \(builder.bind(query.instanceID))", "u.deleted_at IS NULL"]
        func identifiers(_ kind: UserIdentifier.Kind, _ values: [String]) {
            guard !values.isEmpty else { return }
            let keys = values.map { UserIdentifier(kind: kind, value: $0).key }
            conditions.append("""
                u.id IN (SELECT user_id FROM user_identifier WHERE instance_id = \(builder.bind(query.instanceID))
                    AND kind = \(builder.bind(kind.rawValue)) AND key = ANY(\(builder.bind(keys))))
                """)
        }
        identifiers(.emailAddress, query.emailAddresses)
        identifiers(.username, query.usernames)
        identifiers(.phoneNumber, query.phoneNumbers)
        if !query.userIDs.isEmpty { conditions.append("u.id = ANY(\(builder.bind(query.userIDs)))") }
        if !query.excludedUserIDs.isEmpty { conditions.append("NOT (u.id = ANY(\(builder.bind(query.excludedUserIDs))))") }
        if !query.externalIDs.isEmpty { conditions.append("u.external_id = ANY(\(builder.bind(query.externalIDs)))") }
        if !query.excludedExternalIDs.isEmpty {
            // A user without an external id is not excluded.
            conditions.append("(u.external_id IS NULL OR NOT (u.external_id = ANY(\(builder.bind(query.excludedExternalIDs)))))")
        }
        if let text = query.text, !text.isEmpty {
            // strpos: a plain substring, no pattern syntax (`%` is a character like any other).
            conditions.append("strpos(u.search_key, \(builder.bind(User.identifierKey(text)))) > 0")
        }
        return conditions.joined(separator: " AND ")
    }
}
