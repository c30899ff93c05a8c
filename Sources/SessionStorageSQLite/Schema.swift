import GRDB

/// Numbered, forward-only migrations, each in one transaction. The schema is the source of truth:
/// NOT NULL, UNIQUE, CHECK and foreign keys hold even if the code above has a bug.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001 sessions, users, templates, revocations") { db in
            try db.execute(sql: """
                CREATE TABLE instance (
                    id TEXT PRIMARY KEY NOT NULL,
                    environment TEXT NOT NULL CHECK (environment IN ('development', 'production')),
                    allows_backend_sign_in INTEGER NOT NULL CHECK (allows_backend_sign_in IN (0, 1)),
                    created_at INTEGER NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE secret_key (
                    id TEXT PRIMARY KEY NOT NULL,
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    hash BLOB NOT NULL UNIQUE CHECK (length(hash) > 0),
                    display_prefix TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                ) WITHOUT ROWID;

                CREATE TABLE user (
                    id TEXT PRIMARY KEY NOT NULL,
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    external_id TEXT,
                    first_name TEXT,
                    last_name TEXT,
                    username TEXT,
                    image_url TEXT,
                    primary_email_address_id TEXT,
                    primary_phone_number_id TEXT,
                    public_metadata TEXT NOT NULL,
                    private_metadata TEXT NOT NULL,
                    unsafe_metadata TEXT NOT NULL,
                    two_factor_enabled INTEGER NOT NULL CHECK (two_factor_enabled IN (0, 1)),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    -- Deleted users keep their row so their sessions keep a valid user_id; reads skip them.
                    deleted_at INTEGER
                ) WITHOUT ROWID;
                CREATE UNIQUE INDEX user_external_id ON user(instance_id, external_id) WHERE external_id IS NOT NULL AND deleted_at IS NULL;
                CREATE INDEX user_by_instance ON user(instance_id, created_at DESC, id DESC);

                CREATE TABLE email_address (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    email_address TEXT NOT NULL,
                    verified INTEGER NOT NULL CHECK (verified IN (0, 1))
                ) WITHOUT ROWID;
                CREATE INDEX email_address_by_user ON email_address(user_id, position);

                CREATE TABLE phone_number (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    phone_number TEXT NOT NULL,
                    verified INTEGER NOT NULL CHECK (verified IN (0, 1))
                ) WITHOUT ROWID;
                CREATE INDEX phone_number_by_user ON phone_number(user_id, position);

                CREATE TABLE client (
                    id TEXT PRIMARY KEY NOT NULL,
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE session (
                    id TEXT PRIMARY KEY NOT NULL,
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    user_id TEXT NOT NULL REFERENCES user(id),
                    client_id TEXT NOT NULL REFERENCES client(id),
                    status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'ended', 'expired', 'removed', 'abandoned', 'replaced', 'pending')),
                    actor TEXT,
                    last_active_organization_id TEXT,
                    last_active_at INTEGER NOT NULL,
                    expire_at INTEGER NOT NULL,
                    abandon_at INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    has_activity INTEGER NOT NULL CHECK (has_activity IN (0, 1)),
                    user_agent TEXT,
                    ip_address TEXT,
                    device_type TEXT,
                    is_mobile INTEGER NOT NULL CHECK (is_mobile IN (0, 1)),
                    browser_name TEXT,
                    browser_version TEXT,
                    city TEXT,
                    country TEXT,
                    auth_method TEXT,
                    mfa_verified INTEGER NOT NULL CHECK (mfa_verified IN (0, 1))
                ) WITHOUT ROWID;
                CREATE INDEX session_by_user ON session(instance_id, user_id, created_at DESC, id DESC);
                CREATE INDEX session_by_client ON session(instance_id, client_id, created_at DESC, id DESC);
                CREATE INDEX session_by_instance ON session(instance_id, created_at DESC, id DESC);

                CREATE TABLE jwt_template (
                    id TEXT PRIMARY KEY NOT NULL,
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    name TEXT NOT NULL,
                    claims TEXT NOT NULL,
                    lifetime INTEGER NOT NULL CHECK (lifetime BETWEEN 30 AND 315360000),
                    allowed_clock_skew INTEGER NOT NULL CHECK (allowed_clock_skew BETWEEN 0 AND 300),
                    signing_algorithm TEXT NOT NULL,
                    signing_key_algorithm TEXT,
                    signing_key_material TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    UNIQUE (instance_id, name),
                    CHECK ((signing_key_algorithm IS NULL) = (signing_key_material IS NULL))
                ) WITHOUT ROWID;
                CREATE INDEX jwt_template_by_instance ON jwt_template(instance_id, created_at, id);

                -- AUTOINCREMENT: a sequence number is never handed out twice, even after pruning.
                CREATE TABLE revocation (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    session_id TEXT,
                    user_id TEXT,
                    not_before INTEGER,
                    revoked_at INTEGER NOT NULL,
                    retain_until INTEGER NOT NULL,
                    CHECK ((session_id IS NOT NULL AND user_id IS NULL AND not_before IS NULL)
                        OR (session_id IS NULL AND user_id IS NOT NULL AND not_before IS NOT NULL))
                );
                CREATE INDEX revocation_by_instance ON revocation(instance_id, sequence);
                CREATE INDEX revocation_by_retention ON revocation(retain_until);
                """)
        }
        migrator.registerMigration("0002 user-wide entries list their sessions; secret-key entries; key last use") { db in
            // SQLite cannot change a CHECK in place: the table is rebuilt, keeping every sequence
            // ever assigned (sqlite_sequence) so that a follower's cursor stays meaningful.
            let highest = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'revocation'") ?? 0
            try db.execute(sql: """
                CREATE TABLE revocation_next (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    session_id TEXT,
                    user_id TEXT,
                    not_before INTEGER,
                    -- A user-wide entry's sessions, space-separated (ids never hold a space).
                    session_ids TEXT,
                    secret_key_id TEXT,
                    revoked_at INTEGER NOT NULL,
                    retain_until INTEGER NOT NULL,
                    CHECK ((session_id IS NOT NULL) + (user_id IS NOT NULL) + (secret_key_id IS NOT NULL) = 1),
                    CHECK ((user_id IS NOT NULL) = (not_before IS NOT NULL)),
                    CHECK ((user_id IS NOT NULL) = (session_ids IS NOT NULL))
                );
                INSERT INTO revocation_next (sequence, instance_id, session_id, user_id, not_before, session_ids, revoked_at, retain_until)
                    SELECT sequence, instance_id, session_id, user_id, not_before,
                        -- Earlier user-wide entries did not list their sessions: the ones they revoked are
                        -- the user's sessions marked revoked at the entry's own instant.
                        CASE WHEN user_id IS NULL THEN NULL ELSE coalesce((
                            SELECT group_concat(id, ' ') FROM session s
                            WHERE s.instance_id = r.instance_id AND s.user_id = r.user_id AND s.status = 'revoked'
                                AND s.updated_at = r.revoked_at), '') END,
                        revoked_at, retain_until FROM revocation r;
                DROP TABLE revocation;
                ALTER TABLE revocation_next RENAME TO revocation;
                CREATE INDEX revocation_by_instance ON revocation(instance_id, sequence);
                CREATE INDEX revocation_by_retention ON revocation(retain_until);
                ALTER TABLE secret_key ADD COLUMN last_used_at INTEGER;
                CREATE INDEX secret_key_by_instance ON secret_key(instance_id, created_at);
                """)
            try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = 'revocation'")
            let copied = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM revocation") ?? 0
            if max(highest, copied) > 0 {
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('revocation', ?)", arguments: [max(highest, copied)])
            }
        }
        migrator.registerMigration("0003 tenants: slugs, signing algorithms, signing keys in the store") { db in
            let highest = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'revocation'") ?? 0
            try db.execute(sql: """
                ALTER TABLE instance ADD COLUMN slug TEXT NOT NULL DEFAULT '';
                -- Instances made before tenants had slugs: the default one is `default`, any other is named after its id.
                UPDATE instance SET slug = CASE WHEN id = 'ins_default' THEN 'default' ELSE replace(id, '_', '-') END;
                CREATE UNIQUE INDEX instance_by_slug ON instance(slug);
                ALTER TABLE instance ADD COLUMN signing_algorithm TEXT NOT NULL DEFAULT 'RS256'
                    CHECK (signing_algorithm IN ('RS256', 'ES256', 'EdDSA'));
                -- Space-separated origins (an origin never holds a space).
                ALTER TABLE instance ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT '';

                -- Rows are never updated but for re-sealing: the schedule follows from the generations.
                CREATE TABLE signing_key (
                    kid TEXT PRIMARY KEY NOT NULL,
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    generation INTEGER NOT NULL CHECK (generation > 0),
                    algorithm TEXT NOT NULL CHECK (algorithm IN ('RS256', 'ES256', 'EdDSA')),
                    material TEXT NOT NULL CHECK (length(material) > 0),
                    created_at INTEGER NOT NULL,
                    activates_at INTEGER NOT NULL,
                    UNIQUE (instance_id, generation)
                ) WITHOUT ROWID;

                CREATE TABLE revocation_next (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    session_id TEXT,
                    user_id TEXT,
                    not_before INTEGER,
                    session_ids TEXT,
                    secret_key_id TEXT,
                    -- A new signing key of the instance: every process reloads the instance's keys.
                    signing_key_id TEXT,
                    revoked_at INTEGER NOT NULL,
                    retain_until INTEGER NOT NULL,
                    CHECK ((session_id IS NOT NULL) + (user_id IS NOT NULL) + (secret_key_id IS NOT NULL) + (signing_key_id IS NOT NULL) = 1),
                    CHECK ((user_id IS NOT NULL) = (not_before IS NOT NULL)),
                    CHECK ((user_id IS NOT NULL) = (session_ids IS NOT NULL))
                );
                INSERT INTO revocation_next (sequence, instance_id, session_id, user_id, not_before, session_ids, secret_key_id, revoked_at, retain_until)
                    SELECT sequence, instance_id, session_id, user_id, not_before, session_ids, secret_key_id, revoked_at, retain_until FROM revocation;
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
        registerStreamAndActivityMigrations(&migrator)
        registerAuditMigrations(&migrator)
        registerIdentifierMigrations(&migrator)
        return migrator
    }
}
