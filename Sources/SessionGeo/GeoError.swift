/// The one error type of `SessionGeo`: an extensible code plus a reason; equal on the code.
public struct GeoError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The database file could not be opened or read: missing, not permitted, a directory, out of memory.
        public static let unreadable = Code("unreadable")
        /// The file is not a MaxMind DB this library reads, or it is damaged (truncated, metadata or search tree
        /// corrupt).
        public static let invalidDatabase = Code("invalidDatabase")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
    public static func == (lhs: GeoError, rhs: GeoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
