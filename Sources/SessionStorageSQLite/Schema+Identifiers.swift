import GRDB

extension Schema {
    /// 0009: the identifiers no two live users of an instance share, and the index of the client list.
    static func registerIdentifierMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("0009 user identifiers unique per tenant; clients by tenant") { db in
            // `key` is Swift's lowercasing of the value (GRDB's swiftLowercaseString), the form the
            // store compares in. Users from before share an identifier only if the API let them:
            // the oldest keeps it, the others are listed by it no more but can be edited and deleted.
            try db.execute(sql: """
                CREATE TABLE user_identifier (
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    kind TEXT NOT NULL CHECK (kind IN ('email_address', 'username', 'phone_number')),
                    key TEXT NOT NULL,
                    user_id TEXT NOT NULL REFERENCES user(id),
                    PRIMARY KEY (instance_id, kind, key)
                ) WITHOUT ROWID;
                CREATE INDEX user_identifier_by_user ON user_identifier(user_id);
                INSERT OR IGNORE INTO user_identifier (instance_id, kind, key, user_id)
                    SELECT u.instance_id, 'email_address', swiftLowercaseString(e.email_address), u.id
                    FROM email_address e JOIN user u ON u.id = e.user_id
                    WHERE u.deleted_at IS NULL ORDER BY u.created_at, u.id, e.position;
                INSERT OR IGNORE INTO user_identifier (instance_id, kind, key, user_id)
                    SELECT instance_id, 'username', swiftLowercaseString(username), id
                    FROM user WHERE deleted_at IS NULL AND username IS NOT NULL ORDER BY created_at, id;
                INSERT OR IGNORE INTO user_identifier (instance_id, kind, key, user_id)
                    SELECT u.instance_id, 'phone_number', swiftLowercaseString(p.phone_number), u.id
                    FROM phone_number p JOIN user u ON u.id = p.user_id
                    WHERE u.deleted_at IS NULL ORDER BY u.created_at, u.id, p.position;
                CREATE INDEX client_by_instance ON client(instance_id, created_at DESC, id DESC);
                """)
        }
    }
}
