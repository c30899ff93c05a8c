/// Numbered, forward-only migrations: each a list of statements applied in one transaction with its
/// row in `schema_migrations`. A migration once released is never edited; a change is a new one.
///
/// The schema is the source of truth, as in SQLite: NOT NULL, UNIQUE, CHECK and foreign keys hold
/// even if the code above has a bug. Times are Unix milliseconds (`BIGINT`), hashes and key bytes
/// `BYTEA`; ids are `TEXT COLLATE "C"` so that their order is the byte order every other driver
/// and the in-memory views use, whatever the database's locale.
enum PostgresSchema {
    struct Migration: Sendable {
        let version: Int32
        let name: String
        let statements: [String]
    }

    /// The key of the advisory lock the migrations run under (any constant; "tessera" in ASCII).
    static let migrationLock: Int64 = 0x7465_7373_6572_61

    static let migrations: [Migration] = [initial]

    static let initial = Migration(version: 1, name: "sessions, users, tenants, templates, consents, audit log, revocation feed", statements: [
        """
        CREATE TABLE instance (
            id TEXT COLLATE "C" PRIMARY KEY,
            slug TEXT COLLATE "C" NOT NULL UNIQUE,
            environment TEXT NOT NULL CHECK (environment IN ('development', 'production')),
            signing_algorithm TEXT NOT NULL CHECK (signing_algorithm IN ('RS256', 'ES256', 'EdDSA')),
            -- Space-separated origins (an origin never holds a space).
            allowed_origins TEXT NOT NULL,
            allows_backend_sign_in BOOLEAN NOT NULL,
            anomaly_action TEXT NOT NULL CHECK (anomaly_action IN ('flag', 'revoke')),
            created_at BIGINT NOT NULL
        )
        """,
        """
        CREATE TABLE signing_key (
            kid TEXT COLLATE "C" PRIMARY KEY,
            instance_id TEXT COLLATE "C" NOT NULL REFERENCES instance(id),
            generation BIGINT NOT NULL CHECK (generation > 0),
            algorithm TEXT NOT NULL CHECK (algorithm IN ('RS256', 'ES256', 'EdDSA')),
            material TEXT NOT NULL CHECK (length(material) > 0),
            created_at BIGINT NOT NULL,
            activates_at BIGINT NOT NULL,
            UNIQUE (instance_id, generation)
        )
        """,
        """
        CREATE TABLE secret_key (
            id TEXT COLLATE "C" PRIMARY KEY,
            instance_id TEXT COLLATE "C" NOT NULL REFERENCES instance(id),
            hash BYTEA NOT NULL UNIQUE CHECK (length(hash) > 0),
            display_prefix TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            last_used_at BIGINT,
            revoked_at BIGINT
        )
        """,
        "CREATE INDEX secret_key_by_instance ON secret_key(instance_id, created_at, id)",
        """
        CREATE TABLE app_user (
            id TEXT COLLATE "C" PRIMARY KEY,
            instance_id TEXT COLLATE "C" NOT NULL REFERENCES instance(id),
            external_id TEXT COLLATE "C",
            first_name TEXT,
            last_name TEXT,
            username TEXT,
            image_url TEXT,
            primary_email_address_id TEXT,
            primary_phone_number_id TEXT,
            public_metadata TEXT NOT NULL,
            private_metadata TEXT NOT NULL,
            unsafe_metadata TEXT NOT NULL,
            two_factor_enabled BOOLEAN NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            -- Deleted users keep their row so their sessions keep a valid user_id; reads skip them.
            deleted_at BIGINT,
            -- What `UserQuery.text` searches: the id, external id, username, names, email addresses and phone
            -- numbers, each lowercased by Swift (`User.identifierKey`, Unicode-aware whatever the server's
            -- locale), joined by U+001F, which no query text holds (control characters are refused).
            search_key TEXT COLLATE "C" NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX app_user_external_id ON app_user(instance_id, external_id) WHERE external_id IS NOT NULL AND deleted_at IS NULL",
        "CREATE INDEX app_user_by_instance ON app_user(instance_id, created_at DESC, id DESC)",
        "CREATE INDEX app_user_by_external_id ON app_user(instance_id, external_id) WHERE external_id IS NOT NULL",
        """
        -- The identifiers no two live users of an instance share, by their comparison key (Swift's lowercasing):
        -- the primary key refuses a second holder inside the writing transaction, whichever node writes.
        CREATE TABLE user_identifier (
            instance_id TEXT COLLATE "C" NOT NULL REFERENCES instance(id),
            kind TEXT NOT NULL CHECK (kind IN ('email_address', 'username', 'phone_number')),
            key TEXT COLLATE "C" NOT NULL,
            user_id TEXT COLLATE "C" NOT NULL REFERENCES app_user(id),
            CONSTRAINT user_identifier_taken PRIMARY KEY (instance_id, kind, key)
        )
        """,
        "CREATE INDEX user_identifier_by_user ON user_identifier(user_id)",
        """
        CREATE TABLE email_address (
            id TEXT COLLATE "C" PRIMARY KEY,
            user_id TEXT COLLATE "C" NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            email_address TEXT NOT NULL,
            verified BOOLEAN NOT NULL
        )
        """,
        "CREATE INDEX email_address_by_user ON email_address(user_id, position)",
        """
        CREATE TABLE phone_number (
            id TEXT COLLATE "C" PRIMARY KEY,
            user_id TEXT COLLATE "C" NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            phone_number TEXT NOT NULL,
            verified BOOLEAN NOT NULL
        )
        """,
        "CREATE INDEX phone_number_by_user ON phone_number(user_id, position)",
        """
        CREATE TABLE client (
            id TEXT COLLATE "C" PRIMARY KEY,
            instance_id TEXT COLLATE "C" NOT NULL REFERENCES instance(id),
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX client_by_instance ON client(instance_id, created_at DESC, id DESC)",
        """
        CREATE TABLE session (
            id TEXT COLLATE "C" PRIMARY KEY,
            instance_id TEXT COLLATE "C" NOT NULL REFERENCES instance(id),
            user_id TEXT COLLATE "C" NOT NULL REFERENCES app_user(id),
            client_id TEXT COLLATE "C" NOT NULL REFERENCES client(id),
            status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'ended', 'expired', 'removed', 'abandoned', 'replaced', 'pending')),
            actor TEXT,
            last_active_organization_id TEXT,
            last_active_at BIGINT NOT NULL,
            expire_at BIGINT NOT NULL,
            abandon_at BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            token_horizon BIGINT NOT NULL,
            has_activity BOOLEAN NOT NULL,
            user_agent TEXT,
            ip_address TEXT,
            -- The address as 16 bytes (IPv4 mapped), so that a CIDR block is one range of an index.
            ip_bytes BYTEA CHECK (ip_bytes IS NULL OR length(ip_bytes) = 16),
            device_type TEXT,
            is_mobile BOOLEAN NOT NULL,
            browser_name TEXT,
            browser_version TEXT,
            os_name TEXT,
            city TEXT,
            country TEXT,
            auth_method TEXT,
            mfa_verified BOOLEAN NOT NULL,
            anomalous BOOLEAN NOT NULL,
            opened_country TEXT,
            opened_device TEXT
        )
        """,
        "CREATE INDEX session_by_user ON session(instance_id, user_id, created_at DESC, id DESC)",
        "CREATE INDEX session_by_client ON session(instance_id, client_id, created_at DESC, id DESC)",
        "CREATE INDEX session_by_instance ON session(instance_id, created_at DESC, id DESC)",
        "CREATE INDEX session_active_by_instance ON session(instance_id, created_at DESC, id DESC) WHERE status = 'active'",
        "CREATE INDEX session_active_by_address ON session(instance_id, ip_bytes) WHERE status = 'active' AND ip_bytes IS NOT NULL",
        "CREATE INDEX session_anomalous ON session(instance_id, created_at DESC, id DESC) WHERE status = 'active' AND anomalous",
        """
        CREATE TABLE jwt_template (
            id TEXT COLLATE "C" PRIMARY KEY,
            instance_id TEXT COLLATE "C" NOT NULL REFERENCES instance(id),
            name TEXT COLLATE "C" NOT NULL,
            claims TEXT NOT NULL,
            lifetime BIGINT NOT NULL CHECK (lifetime BETWEEN 30 AND 315360000),
            allowed_clock_skew BIGINT NOT NULL CHECK (allowed_clock_skew BETWEEN 0 AND 300),
            signing_algorithm TEXT NOT NULL,
            signing_key_algorithm TEXT,
            signing_key_material TEXT,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            UNIQUE (instance_id, name),
            CHECK ((signing_key_algorithm IS NULL) = (signing_key_material IS NULL))
        )
        """,
        "CREATE INDEX jwt_template_by_instance ON jwt_template(instance_id, created_at, id)",
        """
        CREATE TABLE consent (
            id TEXT COLLATE "C" PRIMARY KEY,
            instance_id TEXT COLLATE "C" NOT NULL REFERENCES instance(id),
            user_id TEXT COLLATE "C" NOT NULL,
            client_id TEXT COLLATE "C" NOT NULL,
            client_name TEXT NOT NULL,
            -- Space-separated scope tokens (RFC 6749 scope tokens hold no space).
            scopes TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
            granted_at BIGINT NOT NULL,
            revoked_at BIGINT,
            last_used_at BIGINT,
            CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
        )
        """,
        // One active consent per user and client: a re-grant updates it in place.
        "CREATE UNIQUE INDEX consent_active ON consent(instance_id, user_id, client_id) WHERE status = 'active'",
        "CREATE INDEX consent_by_user ON consent(instance_id, user_id, granted_at DESC)",
        """
        CREATE TABLE audit_event (
            instance_id TEXT COLLATE "C" NOT NULL REFERENCES instance(id),
            seq BIGINT NOT NULL CHECK (seq > 0),
            id TEXT COLLATE "C" NOT NULL UNIQUE,
            type TEXT NOT NULL,
            occurred_at BIGINT NOT NULL,
            actor_type TEXT NOT NULL CHECK (actor_type IN ('secret_key', 'user', 'operator', 'system')),
            actor_id TEXT NOT NULL,
            user_id TEXT COLLATE "C",
            session_id TEXT COLLATE "C",
            ip_address TEXT,
            user_agent TEXT,
            -- The data's canonical JSON (RFC 8785), exactly as hashed: TEXT, not JSONB, which would re-encode it.
            data TEXT NOT NULL,
            prev_hash BYTEA NOT NULL CHECK (length(prev_hash) = 32),
            hash BYTEA NOT NULL CHECK (length(hash) = 32),
            PRIMARY KEY (instance_id, seq)
        )
        """,
        "CREATE INDEX audit_event_by_user ON audit_event(instance_id, user_id, seq) WHERE user_id IS NOT NULL",
        "CREATE INDEX audit_event_by_session ON audit_event(instance_id, session_id, seq) WHERE session_id IS NOT NULL",
        "CREATE INDEX audit_event_by_type ON audit_event(instance_id, type, seq)",
        "CREATE INDEX audit_event_by_time ON audit_event(instance_id, occurred_at)",
        """
        CREATE TABLE revocation (
            -- Taken from feed_head inside the writing transaction, never from a sequence (Decision 0018).
            sequence BIGINT PRIMARY KEY CHECK (sequence > 0),
            instance_id TEXT COLLATE "C" NOT NULL REFERENCES instance(id),
            session_id TEXT COLLATE "C",
            user_id TEXT COLLATE "C",
            not_before BIGINT,
            -- A user-wide entry's sessions, space-separated (ids never hold a space).
            session_ids TEXT,
            secret_key_id TEXT COLLATE "C",
            signing_key_id TEXT COLLATE "C",
            updated_user_id TEXT COLLATE "C",
            changed_template_id TEXT COLLATE "C",
            changed_tenant_id TEXT COLLATE "C",
            except_session_id TEXT COLLATE "C" CHECK (except_session_id IS NULL OR user_id IS NOT NULL),
            consent_id TEXT COLLATE "C" CHECK (consent_id IS NULL OR (user_id IS NOT NULL AND session_ids = '')),
            consent_client_id TEXT COLLATE "C" CHECK ((consent_client_id IS NULL) = (consent_id IS NULL)),
            revoked_at BIGINT NOT NULL,
            retain_until BIGINT NOT NULL,
            CHECK (num_nonnulls(session_id, user_id, secret_key_id, signing_key_id, updated_user_id, changed_template_id, changed_tenant_id) = 1),
            CHECK ((user_id IS NOT NULL) = (not_before IS NOT NULL)),
            CHECK ((user_id IS NOT NULL) = (session_ids IS NOT NULL))
        )
        """,
        "CREATE INDEX revocation_by_instance ON revocation(instance_id, sequence)",
        "CREATE INDEX revocation_by_retention ON revocation(retain_until)",
        """
        -- The highest sequence ever assigned (pruned entries included). One row, locked by every revoking
        -- transaction from its increment to its commit: sequence order is commit order, with no holes.
        CREATE TABLE feed_head (
            singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
            seq BIGINT NOT NULL CHECK (seq >= 0)
        )
        """,
        "INSERT INTO feed_head (singleton, seq) VALUES (TRUE, 0)",
    ])
}
