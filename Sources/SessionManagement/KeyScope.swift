/// What a key may do: everything (`sk_…` secret keys), or only follow the revocation feed and
/// read the JWKS (`vk_…` verifier keys, for services that verify tokens and need no admin power).
///
/// Operator keys (`op_…`) run the operator surface (`/operator/v1`) and nothing else. Until tenants
/// have a home of their own (issue 10) they are stored beside the default instance's keys and never
/// listed or revoked through a tenant's key routes.
public enum KeyScope: String, Sendable, CaseIterable {
    case full
    case verifier
    case `operator`

    /// `sk_`, `vk_` or `op_`; the environment (`test_`, `live_`) follows.
    public var prefix: String {
        switch self {
        case .full: "sk_"
        case .verifier: "vk_"
        case .operator: "op_"
        }
    }

    /// The scope a stored key's display prefix names.
    public static func of(displayPrefix: String) -> KeyScope? {
        allCases.first { displayPrefix.hasPrefix($0.prefix) }
    }
}
