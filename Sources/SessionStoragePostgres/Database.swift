import Logging
import PostgresNIO
import SessionStorage

/// One leased connection, inside or outside a transaction, with the few shapes of query the store
/// runs. Values only ever travel as bound parameters (`PostgresQuery` interpolation binds them).
struct Database {
    let connection: PostgresConnection
    let logger: Logger

    /// Every row, read in full (pages are small: the caller's `LIMIT`).
    func rows(_ query: PostgresQuery) async throws -> [Row] {
        var rows: [Row] = []
        for try await row in try await connection.query(query, logger: logger) { rows.append(Row(row.makeRandomAccess())) }
        return rows
    }

    func one(_ query: PostgresQuery) async throws -> Row? {
        try await rows(query).first
    }

    /// A statement without a result; counts come from `RETURNING` rows (`count`).
    func execute(_ query: PostgresQuery) async throws {
        for try await _ in try await connection.query(query, logger: logger) {}
    }

    /// How many rows a statement with `RETURNING 1` changed.
    func count(_ query: PostgresQuery) async throws -> Int {
        var count = 0
        for try await _ in try await connection.query(query, logger: logger) { count += 1 }
        return count
    }

    func exists(_ query: PostgresQuery) async throws -> Bool {
        try await count(query) > 0
    }
}

/// A row read by column name, each value decoded to the type the schema guarantees.
struct Row {
    let raw: PostgresRandomAccessRow
    init(_ raw: PostgresRandomAccessRow) { self.raw = raw }

    func text(_ column: String) throws -> String { try raw[column].decode(String.self) }
    func optionalText(_ column: String) throws -> String? { try raw[column].decode(String?.self) }
    func int(_ column: String) throws -> Int64 { try raw[column].decode(Int64.self) }
    func optionalInt(_ column: String) throws -> Int64? { try raw[column].decode(Int64?.self) }
    func bool(_ column: String) throws -> Bool { try raw[column].decode(Bool.self) }
    func bytes(_ column: String) throws -> [UInt8] { Array(try raw[column].decode(ByteBuffer.self).readableBytesView) }
    func optionalBytes(_ column: String) throws -> [UInt8]? { try raw[column].decode(ByteBuffer?.self).map { Array($0.readableBytesView) } }
}

/// A statement assembled from fixed SQL fragments and bound values, for the queries whose filters
/// depend on the request (lists). Only `bind` ever carries a value into it.
struct QueryBuilder {
    private var bindings = PostgresBindings()
    var sql = ""

    /// Binds `value` and returns its placeholder (`$n`).
    mutating func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
        bindings.append(value)
        return "$\(bindings.count)"
    }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: bindings) }
}

extension [UInt8] {
    /// Bytes as a `BYTEA` parameter.
    var bytea: ByteBuffer { ByteBuffer(bytes: self) }
}
