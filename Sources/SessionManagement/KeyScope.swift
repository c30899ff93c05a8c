/// What a key may do: everything (`sk_…` secret keys), or only follow the revocation feed and
/// read the JWKS (`vk_…` verifier keys, for services that verify tokens and need no admin power).
public enum KeyScope: String, Sendable, CaseIterable {
    case full
    case verifier

    /// `sk_` or `vk_`; the environment (`test_`, `live_`) follows.
    public var prefix: String {
        switch self {
        case .full: "sk_"
        case .verifier: "vk_"
        }
    }
}
