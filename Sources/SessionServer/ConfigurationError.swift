/// The one public error type of `SessionServer`: a setting the server refuses to start with.
///
/// An extensible code plus a human reason meant for whoever wrote the setting; equal on the code only.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A `claim=Header-Name` setting that does not parse, or names an invalid header.
        public static let invalidClaimHeader = Code("invalidClaimHeader")
        /// A claim header that would overwrite an identity, hop-by-hop or framing header.
        public static let reservedHeader = Code("reservedHeader")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
    public static func == (lhs: ConfigurationError, rhs: ConfigurationError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
