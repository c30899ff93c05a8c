/// What the copy moves: every table of the SQLite schema (Sources/SessionStorageSQLite/Schema*.swift,
/// after its last migration) mapped onto its PostgreSQL twin (PostgresSchema.swift). Both sides are
/// checked against this plan before a row moves (`SQLiteSnapshot.checkSchema`,
/// `PostgresTarget.checkSchema`): a table or column on either side that the plan does not name stops
/// the copy, so a new migration cannot leave data behind unnoticed.
///
/// Columns keep their names; only the storage class changes (0/1 integers become booleans). Two
/// tables need more than a copy, each noted at its entry.
public enum CopyPlan {
    enum Kind: Sendable {
        case text, bytes, bigint, int32, boolean
    }

    struct Column: Sendable {
        let name: String
        let kind: Kind
    }

    enum Conversion: Sendable {
        case none
        /// `app_user.search_key`, which SQLite does not store: computed from the row and its contacts,
        /// exactly as `PostgresSessionStore.createUser` computes it.
        case userSearchKey
        /// SQLite keeps a `tenantChanged` entry in `signing_key_id` behind a prefix no `kid` can have;
        /// PostgreSQL has a column of its own for it (`changed_tenant_id`).
        case tenantEntries
    }

    struct Table: Sendable {
        let source: String
        let target: String
        /// The primary key, in the order rows are read (keyset pages).
        let key: [String]
        let columns: [Column]
        let conversion: Conversion

        /// The PostgreSQL columns written, in the order of the values `SQLiteSnapshot` produces.
        var targetColumns: [String] {
            switch conversion {
            case .none: columns.map(\.name)
            case .userSearchKey: columns.map(\.name) + ["search_key"]
            case .tenantEntries: columns.map(\.name) + ["changed_tenant_id"]
            }
        }

        func index(of column: String) -> Int? { columns.firstIndex { $0.name == column } }
    }

    /// SQLite's prefix for a `tenantChanged` entry in `signing_key_id` (SQLiteSessionStore.tenantChangedPrefix).
    static let tenantChangedPrefix = "tenant:"

    private static func text(_ names: String...) -> [Column] { names.map { Column(name: $0, kind: .text) } }
    private static func bigint(_ names: String...) -> [Column] { names.map { Column(name: $0, kind: .bigint) } }
    private static func boolean(_ names: String...) -> [Column] { names.map { Column(name: $0, kind: .boolean) } }
    private static func bytes(_ names: String...) -> [Column] { names.map { Column(name: $0, kind: .bytes) } }
    private static func int32(_ names: String...) -> [Column] { names.map { Column(name: $0, kind: .int32) } }

    /// In an order that satisfies PostgreSQL's foreign keys (a row's parents come first).
    static let tables: [Table] = [
        Table(
            source: "instance", target: "instance", key: ["id"],
            columns: text("id", "slug", "environment", "signing_algorithm", "allowed_origins", "anomaly_action")
                + boolean("allows_backend_sign_in") + bigint("created_at"),
            conversion: .none),
        Table(
            source: "signing_key", target: "signing_key", key: ["kid"],
            columns: text("kid", "instance_id", "algorithm", "material") + bigint("generation", "created_at", "activates_at"),
            conversion: .none),
        Table(
            source: "secret_key", target: "secret_key", key: ["id"],
            columns: text("id", "instance_id", "display_prefix") + bytes("hash") + bigint("created_at", "last_used_at", "revoked_at"),
            conversion: .none),
        Table(
            source: "user", target: "app_user", key: ["id"],
            columns: text(
                "id", "instance_id", "external_id", "first_name", "last_name", "username", "image_url", "primary_email_address_id",
                "primary_phone_number_id", "public_metadata", "private_metadata", "unsafe_metadata")
                + boolean("two_factor_enabled") + bigint("created_at", "updated_at", "deleted_at"),
            conversion: .userSearchKey),
        Table(
            source: "email_address", target: "email_address", key: ["id"],
            columns: text("id", "user_id", "email_address") + int32("position") + boolean("verified"), conversion: .none),
        Table(
            source: "phone_number", target: "phone_number", key: ["id"],
            columns: text("id", "user_id", "phone_number") + int32("position") + boolean("verified"), conversion: .none),
        Table(
            source: "user_identifier", target: "user_identifier", key: ["instance_id", "kind", "key"],
            columns: text("instance_id", "kind", "key", "user_id"), conversion: .none),
        Table(source: "client", target: "client", key: ["id"], columns: text("id", "instance_id") + bigint("created_at", "updated_at"), conversion: .none),
        Table(
            source: "session", target: "session", key: ["id"],
            columns: text(
                "id", "instance_id", "user_id", "client_id", "status", "actor", "last_active_organization_id", "user_agent", "ip_address",
                "device_type", "browser_name", "browser_version", "os_name", "city", "country", "auth_method", "opened_country", "opened_device")
                + bigint("last_active_at", "expire_at", "abandon_at", "created_at", "updated_at", "token_horizon")
                + boolean("has_activity", "is_mobile", "mfa_verified", "anomalous") + bytes("ip_bytes"),
            conversion: .none),
        Table(
            source: "jwt_template", target: "jwt_template", key: ["id"],
            columns: text("id", "instance_id", "name", "claims", "signing_algorithm", "signing_key_algorithm", "signing_key_material")
                + bigint("lifetime", "allowed_clock_skew", "created_at", "updated_at"),
            conversion: .none),
        Table(
            source: "consent", target: "consent", key: ["id"],
            columns: text("id", "instance_id", "user_id", "client_id", "client_name", "scopes", "status")
                + bigint("granted_at", "revoked_at", "last_used_at"),
            conversion: .none),
        // The stored rows, hashes and all: the chain is carried over, never re-appended.
        Table(
            source: "audit_event", target: "audit_event", key: ["instance_id", "seq"],
            columns: text("instance_id", "id", "type", "actor_type", "actor_id", "user_id", "session_id", "ip_address", "user_agent", "data")
                + bigint("seq", "occurred_at") + bytes("prev_hash", "hash"),
            conversion: .none),
        // Sequences kept as they are: a follower's cursor means the same position on both databases.
        Table(
            source: "revocation", target: "revocation", key: ["sequence"],
            columns: text(
                "instance_id", "session_id", "user_id", "session_ids", "secret_key_id", "signing_key_id", "updated_user_id",
                "changed_template_id", "except_session_id", "consent_id", "consent_client_id")
                + bigint("sequence", "not_before", "revoked_at", "retain_until"),
            conversion: .tenantEntries),
    ]

    /// SQLite tables that are not data: GRDB's record of applied migrations. (`sqlite_*` tables are
    /// SQLite's own; `sqlite_sequence` is read for the feed head.)
    static let sourceBookkeeping: Set<String> = ["grdb_migrations"]

    /// PostgreSQL tables the plan does not fill from a table of the same kind, with their columns:
    /// the migrations' record, and the feed head, set from SQLite's AUTOINCREMENT counter.
    static let targetBookkeeping: [String: Set<String>] = [
        "schema_migrations": ["version", "name", "applied_at"],
        "feed_head": ["singleton", "seq"],
    ]

    /// The SQLite tables the copy carries over, by name (for tests and `--help`).
    public static var sourceTables: [String] { tables.map(\.source) }
}
