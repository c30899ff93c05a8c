/// The one error type of `SessionManagement`: what went wrong in a use case, with no HTTP in it.
/// `SessionServer` maps codes to Clerk's status codes and error codes at its edge.
public struct ManagementError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The secret key is unknown or revoked.
        public static let unauthenticated = Code("unauthenticated")
        /// The resource (`resource` names which) does not exist in this instance.
        public static let notFound = Code("notFound")
        /// A parameter is missing, malformed or out of range (`parameter` names it).
        public static let invalidParameter = Code("invalidParameter")
        /// Not allowed for this instance's environment (creating sessions in production).
        public static let forbiddenInEnvironment = Code("forbiddenInEnvironment")
        /// The session is not active (revoked, ended, expired, …), so it gets no token.
        public static let sessionNotActive = Code("sessionNotActive")
        /// A template names a claim the service owns.
        public static let reservedClaim = Code("reservedClaim")
        /// A template does not render or its settings are out of range.
        public static let invalidTemplate = Code("invalidTemplate")
        /// The rendered token would exceed the size budget.
        public static let tokenTooLarge = Code("tokenTooLarge")
        /// A unique value (template name, external id) is taken.
        public static let conflict = Code("conflict")
        /// Storage or signing failed; nothing was changed.
        public static let unavailable = Code("unavailable")
        /// A token was asked for an OAuth client the user has no active consent for.
        public static let consentRequired = Code("consentRequired")
    }

    public let code: Code
    public let reason: String
    /// The kind of record that was not found, for `notFound`; each surface names it in its own words.
    public let resource: ResourceID.Kind?
    /// The request parameter at fault, for `invalidParameter` and friends.
    public let parameter: String?

    public init(_ code: Code, _ reason: String, resource: ResourceID.Kind? = nil, parameter: String? = nil) {
        self.code = code
        self.reason = reason
        self.resource = resource
        self.parameter = parameter
    }

    static func notFound(_ resource: ResourceID.Kind, _ id: String) -> ManagementError {
        ManagementError(.notFound, "No \(resource.noun) was found with id \(id)", resource: resource)
    }

    static func invalid(_ parameter: String, _ reason: String) -> ManagementError {
        ManagementError(.invalidParameter, reason, parameter: parameter)
    }

    public var description: String { "\(code): \(reason)" }
    public static func == (lhs: ManagementError, rhs: ManagementError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
