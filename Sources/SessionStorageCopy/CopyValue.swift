import Foundation
import GRDB
import SessionStorage

/// One column's value on its way from SQLite to PostgreSQL.
enum CopyValue: Sendable, Hashable {
    case null
    case text(String)
    case bytes([UInt8])
    case integer(Int64)
    case boolean(Bool)

    var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// Decodes SQLite's value for a column of `kind`. Text and bytes arrive as blobs (the SELECT casts
    /// them, see `SQLiteSnapshot`), so they are the stored bytes exactly: text must be UTF-8 without a
    /// NUL (what PostgreSQL's text holds), and any other mismatch names the row and column, never the
    /// value (a column may hold a key's hash or a sealed key).
    static func decode(_ value: DatabaseValue, kind: CopyPlan.Kind, where place: @autoclosure () -> String) throws(StorageError) -> CopyValue {
        switch (value.storage, kind) {
        case (.null, _):
            return .null
        case (.blob(let data), .text):
            let bytes = [UInt8](data)
            guard !bytes.contains(0) else { throw refused(place(), "holds a NUL character, which PostgreSQL text cannot store") }
            guard let text = String(validating: bytes, as: UTF8.self) else { throw refused(place(), "is not valid UTF-8") }
            return .text(text)
        case (.blob(let data), .bytes):
            return .bytes([UInt8](data))
        case (.int64(let number), .bigint):
            return .integer(number)
        case (.int64(let number), .int32):
            guard Int32(exactly: number) != nil else { throw refused(place(), "is outside PostgreSQL's integer range") }
            return .integer(number)
        case (.int64(let number), .boolean):
            guard number == 0 || number == 1 else { throw refused(place(), "is neither 0 nor 1") }
            return .boolean(number == 1)
        default:
            throw refused(place(), "holds a value of another type than its column's")
        }
    }

    private static func refused(_ place: String, _ what: String) -> StorageError {
        StorageError(.constraint, "\(place) \(what): nothing was copied")
    }

    /// Roughly what the value weighs on the wire (for the size of a statement).
    var byteCount: Int {
        switch self {
        case .null: 4
        case .text(let text): 4 + text.utf8.count
        case .bytes(let bytes): 4 + bytes.count
        case .integer: 12
        case .boolean: 5
        }
    }
}
