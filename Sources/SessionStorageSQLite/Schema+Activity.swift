import GRDB

extension Schema {
    /// 0004 onwards: users and templates on the stream of committed changes, the token horizon, the rich
    /// session's columns and the indexes of active sessions.
    static func registerStreamAndActivityMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("0004 users and templates on the stream of committed changes") { db in
            let highest = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'revocation'") ?? 0
            try db.execute(sql: """
                CREATE TABLE revocation_next (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    session_id TEXT,
                    user_id TEXT,
                    not_before INTEGER,
                    session_ids TEXT,
                    secret_key_id TEXT,
                    signing_key_id TEXT,
                    -- A user's row changed: every process drops its copy of it.
                    updated_user_id TEXT,
                    -- A template was changed or deleted: every process drops its compiled templates of the instance.
                    changed_template_id TEXT,
                    revoked_at INTEGER NOT NULL,
                    retain_until INTEGER NOT NULL,
                    CHECK ((session_id IS NOT NULL) + (user_id IS NOT NULL) + (secret_key_id IS NOT NULL) + (signing_key_id IS NOT NULL)
                        + (updated_user_id IS NOT NULL) + (changed_template_id IS NOT NULL) = 1),
                    CHECK ((user_id IS NOT NULL) = (not_before IS NOT NULL)),
                    CHECK ((user_id IS NOT NULL) = (session_ids IS NOT NULL))
                );
                INSERT INTO revocation_next (
                    sequence, instance_id, session_id, user_id, not_before, session_ids, secret_key_id, signing_key_id, revoked_at, retain_until)
                    SELECT sequence, instance_id, session_id, user_id, not_before, session_ids, secret_key_id, signing_key_id, revoked_at, retain_until
                    FROM revocation;
                DROP TABLE revocation;
                ALTER TABLE revocation_next RENAME TO revocation;
                CREATE INDEX revocation_by_instance ON revocation(instance_id, sequence);
                CREATE INDEX revocation_by_retention ON revocation(retain_until);
                """)
            try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'revocation'")
            let copied = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM revocation") ?? 0
            if max(highest, copied) > 0 {
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('revocation', ?)", arguments: [max(highest, copied)])
            }
        }
        migrator.registerMigration("0005 sessions know how long their tokens can live") { db in
            // Sessions from before: their tokens may live as long as they do.
            try db.execute(sql: """
                ALTER TABLE session ADD COLUMN token_horizon INTEGER NOT NULL DEFAULT 0;
                UPDATE session SET token_horizon = expire_at;
                """)
        }
        migrator.registerMigration("0006 the rich session: operating system, address bytes, indexes of active sessions") { db in
            // ip_bytes: the address as 16 bytes (IPv4 mapped), so that a CIDR block is one range of an index. Sessions
            // from before have no recorded address (no API set one).
            try db.execute(sql: """
                ALTER TABLE session ADD COLUMN os_name TEXT;
                ALTER TABLE session ADD COLUMN ip_bytes BLOB CHECK (ip_bytes IS NULL OR length(ip_bytes) = 16);
                CREATE INDEX session_active_by_instance ON session(instance_id, created_at DESC, id DESC) WHERE status = 'active';
                CREATE INDEX session_active_by_address ON session(instance_id, ip_bytes, created_at DESC, id DESC)
                    WHERE status = 'active' AND ip_bytes IS NOT NULL;
                CREATE INDEX user_by_external_id ON user(instance_id, external_id) WHERE external_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("0007 active-session indexes that cover the address filter") { db in
            // Both indexes carry every column the filter reads (status too: SQLite still checks a partial index's
            // condition term), so a page is found from index entries alone and only its rows are fetched.
            try db.execute(sql: """
                DROP INDEX session_active_by_instance;
                DROP INDEX session_active_by_address;
                CREATE INDEX session_active_by_instance
                    ON session(instance_id, created_at DESC, id DESC, ip_bytes, expire_at, abandon_at, status) WHERE status = 'active';
                CREATE INDEX session_active_by_address
                    ON session(instance_id, ip_bytes, created_at, id, expire_at, abandon_at, status) WHERE status = 'active' AND ip_bytes IS NOT NULL;
                """)
        }
    }
}
