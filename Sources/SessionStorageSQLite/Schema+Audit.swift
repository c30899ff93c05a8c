import GRDB

extension Schema {
    /// 0008 onwards: the audit log, OAuth consents, anomalous sessions, and the entries for "sign out
    /// all other sessions" and revoked consents.
    static func registerAuditMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("0008 audit log, consents, anomalies, all-but-current and consent entries") { db in
            try db.execute(sql: """
                ALTER TABLE session ADD COLUMN anomalous INTEGER NOT NULL DEFAULT 0 CHECK (anomalous IN (0, 1));
                ALTER TABLE session ADD COLUMN opened_country TEXT;
                ALTER TABLE session ADD COLUMN opened_device TEXT;
                ALTER TABLE instance ADD COLUMN anomaly_action TEXT NOT NULL DEFAULT 'flag' CHECK (anomaly_action IN ('flag', 'revoke'));

                -- "Sign out all other sessions" is a user entry (user_id, not_before, session_ids) naming the session it kept;
                -- a revoked consent is a user entry with no sessions, narrowed to one OAuth client.
                ALTER TABLE revocation ADD COLUMN except_session_id TEXT CHECK (except_session_id IS NULL OR user_id IS NOT NULL);
                ALTER TABLE revocation ADD COLUMN consent_id TEXT CHECK (consent_id IS NULL OR (user_id IS NOT NULL AND session_ids = ''));
                ALTER TABLE revocation ADD COLUMN consent_client_id TEXT CHECK ((consent_client_id IS NULL) = (consent_id IS NULL));

                CREATE TABLE consent (
                    id TEXT PRIMARY KEY,
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    user_id TEXT NOT NULL,
                    client_id TEXT NOT NULL,
                    client_name TEXT NOT NULL,
                    -- Space-separated scope tokens (RFC 6749 scope tokens hold no space).
                    scopes TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
                    granted_at INTEGER NOT NULL,
                    revoked_at INTEGER,
                    last_used_at INTEGER,
                    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
                ) WITHOUT ROWID;
                -- One active consent per user and client: a re-grant updates it in place.
                CREATE UNIQUE INDEX consent_active ON consent(instance_id, user_id, client_id) WHERE status = 'active';
                CREATE INDEX consent_by_user ON consent(instance_id, user_id, granted_at DESC);

                -- Per tenant, numbered without holes and hash-chained (AuditChain); pruned only from the oldest end.
                CREATE TABLE audit_event (
                    instance_id TEXT NOT NULL REFERENCES instance(id),
                    seq INTEGER NOT NULL CHECK (seq > 0),
                    id TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    occurred_at INTEGER NOT NULL,
                    actor_type TEXT NOT NULL CHECK (actor_type IN ('secret_key', 'user', 'operator', 'system')),
                    actor_id TEXT NOT NULL,
                    user_id TEXT,
                    session_id TEXT,
                    ip_address TEXT,
                    user_agent TEXT,
                    -- The data's canonical JSON (RFC 8785), exactly as hashed.
                    data TEXT NOT NULL,
                    prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
                    hash BLOB NOT NULL CHECK (length(hash) = 32),
                    PRIMARY KEY (instance_id, seq)
                ) WITHOUT ROWID;
                CREATE INDEX audit_event_by_user ON audit_event(instance_id, user_id, seq) WHERE user_id IS NOT NULL;
                CREATE INDEX audit_event_by_session ON audit_event(instance_id, session_id, seq) WHERE session_id IS NOT NULL;
                CREATE INDEX audit_event_by_type ON audit_event(instance_id, type, seq);
                CREATE INDEX audit_event_by_time ON audit_event(instance_id, occurred_at);
                CREATE INDEX session_anomalous ON session(instance_id, created_at DESC, id DESC) WHERE status = 'active' AND anomalous = 1;
                """)
        }
    }
}
