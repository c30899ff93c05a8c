public import Logging
public import PostgresNIO
public import SessionStorage

extension PostgresSessionStore {
    /// Runs `body` in one transaction on one leased connection, for bulk work outside the
    /// `SessionStore` operations (SessionStorageCopy's copy of a SQLite database): committed when
    /// `body` returns, rolled back when it throws. Unlike the store's own writes it is never retried:
    /// the caller's work may not be repeatable. Errors are mapped as the store maps them
    /// (`storageError`); a `StorageError` thrown by `body` passes through unchanged.
    public func inBulkTransaction<T: Sendable>(
        _ body: (PostgresConnection, Logger) async throws -> T
    ) async throws(StorageError) -> T {
        do {
            return try await client.withConnection { connection in
                _ = try await connection.query("BEGIN", logger: logger)
                do {
                    let result = try await body(connection, logger)
                    _ = try await connection.query("COMMIT", logger: logger)
                    return result
                } catch {
                    // Best effort: a broken connection is dropped by the pool, its transaction with it.
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch {
            throw Self.map(error)
        }
    }

    /// The store's reading of an error: `conflict`, `constraint` or `unavailable`, with the SQLSTATE
    /// code only (the server's message can quote the values it refused).
    public static func storageError(_ error: any Error) -> StorageError {
        map(error)
    }

    /// The `search_key` column's value for `user` (what `UserQuery.text` searches): a copier that
    /// writes `app_user` rows itself fills it exactly as `createUser` does.
    public static func searchKey(for user: User) -> String {
        searchKey(user)
    }
}
