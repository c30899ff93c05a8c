/// The one error type of `SessionStorage`: an extensible code plus a reason; equal on the code.
public struct StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The record does not exist (in this instance).
        public static let notFound = Code("notFound")
        /// A unique value (id, template name, external id) is taken.
        public static let conflict = Code("conflict")
        /// The record breaks a constraint (unknown user for a session, status not allowed, …).
        public static let constraint = Code("constraint")
        /// The database could not be reached or failed; nothing was written.
        public static let unavailable = Code("unavailable")
    }

    public let code: Code
    public let reason: String
    /// The value at fault, when the caller's words for it matter (which identifier is taken).
    public let field: String?

    public init(_ code: Code, _ reason: String, field: String? = nil) {
        self.code = code
        self.reason = reason
        self.field = field
    }

    public var description: String { "\(code): \(reason)" }
    public static func == (lhs: StorageError, rhs: StorageError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
