import Foundation
import GRDB
public import SessionStorage

extension SQLiteSessionStore {
    public func createInstance(_ instance: Instance) async throws(StorageError) {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO instance (id, environment, allows_backend_sign_in, created_at) VALUES (?, ?, ?, ?)",
                arguments: [instance.id, instance.environment.rawValue, instance.allowsBackendSignIn, instance.createdAt])
        }
    }

    public func instance(id: String) async throws(StorageError) -> Instance? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM instance WHERE id = ?", arguments: [id]).map { row in
                Instance(
                    id: row["id"], environment: Instance.Environment(rawValue: row["environment"]) ?? .development,
                    allowsBackendSignIn: row["allows_backend_sign_in"], createdAt: row["created_at"])
            }
        }
    }

    public func addSecretKey(_ key: SecretKeyRecord) async throws(StorageError) {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM instance WHERE id = ?", arguments: [key.instanceID]) != nil else {
                throw Self.missing("instance", key.instanceID)
            }
            try db.execute(
                sql: "INSERT INTO secret_key (id, instance_id, hash, display_prefix, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [key.id, key.instanceID, Data(key.hash), key.displayPrefix, key.createdAt, key.revokedAt])
        }
    }

    public func secretKey(hash: [UInt8]) async throws(StorageError) -> SecretKeyRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM secret_key WHERE hash = ? AND revoked_at IS NULL", arguments: [Data(hash)]).map { row in
                SecretKeyRecord(
                    id: row["id"], instanceID: row["instance_id"], hash: Array(row["hash"] as Data),
                    displayPrefix: row["display_prefix"], createdAt: row["created_at"], revokedAt: row["revoked_at"])
            }
        }
    }

    public func hasSecretKeys(instanceID: String) async throws(StorageError) -> Bool {
        try await read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM secret_key WHERE instance_id = ? LIMIT 1", arguments: [instanceID]) != nil
        }
    }

    public func createClient(_ client: Client) async throws(StorageError) {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM instance WHERE id = ?", arguments: [client.instanceID]) != nil else {
                throw Self.missing("instance", client.instanceID)
            }
            try db.execute(
                sql: "INSERT INTO client (id, instance_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
                arguments: [client.id, client.instanceID, client.createdAt, client.updatedAt])
        }
    }

    public func client(instanceID: String, id: String) async throws(StorageError) -> Client? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM client WHERE id = ? AND instance_id = ?", arguments: [id, instanceID]).map { row in
                Client(id: row["id"], instanceID: row["instance_id"], createdAt: row["created_at"], updatedAt: row["updated_at"])
            }
        }
    }
}
