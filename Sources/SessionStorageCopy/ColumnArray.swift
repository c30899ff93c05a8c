import PostgresNIO

/// One column of a batch of rows as one PostgreSQL array parameter (binary format, NULLs allowed), so that a batch is
/// `INSERT … SELECT * FROM unnest($1::text[], $2::bigint[], …)`: one parameter per column however many rows, where a
/// multi-row VALUES list needs one per value and costs the server a parse of thousands of placeholders per batch.
struct ColumnArray: PostgresDynamicTypeEncodable {
    let kind: CopyPlan.Kind
    let values: [CopyValue]

    /// The element's type, as PostgreSQL's wire format names it.
    private var elementType: PostgresDataType {
        switch kind {
        case .text: .text
        case .bytes: .bytea
        case .bigint: .int8
        case .int32: .int4
        case .boolean: .bool
        }
    }

    var psqlType: PostgresDataType {
        switch kind {
        case .text: .textArray
        case .bytes: .byteaArray
        case .bigint: .int8Array
        case .int32: .int4Array
        case .boolean: .boolArray
        }
    }

    /// The SQL type the parameter is cast to (the same array type, spelled for the query).
    var sqlType: String {
        switch kind {
        case .text: "text[]"
        case .bytes: "bytea[]"
        case .bigint: "bigint[]"
        case .int32: "integer[]"
        case .boolean: "boolean[]"
        }
    }

    var psqlFormat: PostgresFormat { .binary }

    /// array_recv's layout: dimensions, a has-NULLs flag, the element type, the length and lower bound of the one
    /// dimension, then each element as its length (-1: NULL) and its binary form.
    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(Int32(1))
        buffer.writeInteger(Int32(values.contains(.null) ? 1 : 0))
        buffer.writeInteger(Int32(bitPattern: elementType.rawValue))
        // A batch is at most `DatabaseCopy.batchRows` rows: the count fits.
        buffer.writeInteger(Int32(clamping: values.count))
        buffer.writeInteger(Int32(1))
        for value in values {
            switch value {
            case .null:
                buffer.writeInteger(Int32(-1))
            case .text(let text):
                buffer.writeInteger(Int32(clamping: text.utf8.count))
                buffer.writeString(text)
            case .bytes(let bytes):
                buffer.writeInteger(Int32(clamping: bytes.count))
                buffer.writeBytes(bytes)
            case .integer(let number) where kind == .int32:
                buffer.writeInteger(Int32(4))
                // In range: `CopyValue.decode` checked it.
                buffer.writeInteger(Int32(truncatingIfNeeded: number))
            case .integer(let number):
                buffer.writeInteger(Int32(8))
                buffer.writeInteger(number)
            case .boolean(let flag):
                buffer.writeInteger(Int32(1))
                buffer.writeInteger(UInt8(flag ? 1 : 0))
            }
        }
    }
}
