#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
public import Logging
import Synchronization

/// One JSON object per line (`--log-format json`): `timestamp` (ISO 8601, milliseconds, UTC),
/// `level`, `label`, `message`, then the metadata's keys, nested values as JSON. Every string is
/// escaped by JSON's rules, control characters (NUL and newlines included) as `\uXXXX` or their
/// short forms, so a value can neither break the line nor forge a field. Whole numbers and finite
/// doubles given as metadata (status, duration) are JSON numbers.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable ([UInt8]) -> Void
    let clock: @Sendable () -> Int64

    /// - Parameters:
    ///   - write: receives each line, newline included (standard error by default).
    ///   - clock: now in Unix milliseconds.
    public init(
        label: String, logLevel: Logger.Level = .info, write: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.standardError,
        clock: @escaping @Sendable () -> Int64 = JSONLogHandler.systemMilliseconds
    ) {
        self.label = label
        self.logLevel = logLevel
        self.write = write
        self.clock = clock
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let given = event.metadata { fields.merge(given) { _, new in new } }
        write(Self.line(timestamp: clock(), level: event.level, label: label, message: event.message.description, metadata: fields))
    }

    /// The line for one event; the four fixed fields win over metadata keys of the same name.
    public static func line(timestamp: Int64, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: "{\"timestamp\":".utf8)
        appendString(ISO8601Milliseconds.string(timestamp), to: &out)
        out.append(contentsOf: ",\"level\":".utf8)
        appendString(level.rawValue, to: &out)
        out.append(contentsOf: ",\"label\":".utf8)
        appendString(label, to: &out)
        out.append(contentsOf: ",\"message\":".utf8)
        appendString(message, to: &out)
        for key in metadata.keys.sorted() where !reserved.contains(key) {
            out.append(UInt8(ascii: ","))
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendValue(metadata[key]!, to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    static let reserved: Set<String> = ["timestamp", "level", "label", "message"]

    static func appendValue(_ value: Logger.Metadata.Value, to out: inout [UInt8]) {
        switch value {
        case .string(let text):
            appendString(text, to: &out)
        case .stringConvertible(let convertible):
            if let number = convertible as? Int {
                out.append(contentsOf: String(number).utf8)
            } else if let number = convertible as? Double, number.isFinite {
                out.append(contentsOf: String(number).utf8)
            } else {
                appendString(convertible.description, to: &out)
            }
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let entries):
            out.append(UInt8(ascii: "{"))
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendValue(entries[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: `"` and `\` escaped, every byte below 0x20 (and DEL) as an escape. The text
    /// is Swift's, so already valid UTF-8 (ill-formed input was repaired when it became a String).
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Serialises writers so that lines from concurrent requests never interleave.
    private static let lock = Mutex(())

    public static let standardError: @Sendable ([UInt8]) -> Void = { line in
        lock.withLock { _ in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = systemWrite(2, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }

    public static let systemMilliseconds: @Sendable () -> Int64 = {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// `write(2)`, named apart from `JSONLogHandler.write`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
    #else
    Darwin.write(descriptor, bytes, count)
    #endif
}
