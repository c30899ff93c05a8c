public import SessionTokens

/// How a template's tokens are to be signed, as the API was asked: Clerk's three optional members
/// `custom_signing_key`, `signing_algorithm` and `signing_key`, not yet judged.
///
/// Every combination is honoured or refused with the parameter at fault, never silently changed:
/// what a saved template shows as its `signing_algorithm` is what its tokens carry.
public struct TemplateSigning: Sendable, Hashable, CustomStringConvertible {
    public var customSigningKey: Bool?
    public var algorithm: JWSAlgorithm?
    /// A PEM private key, or an HS256 shared secret. Never printed.
    public var key: String?

    public init(customSigningKey: Bool? = nil, algorithm: JWSAlgorithm? = nil, key: String? = nil) {
        self.customSigningKey = customSigningKey
        self.algorithm = algorithm
        self.key = key
    }

    /// The template's own key, as `custom_signing_key: true` with its algorithm and key.
    public static func custom(_ key: JWTTemplate.CustomSigningKey) -> TemplateSigning {
        TemplateSigning(customSigningKey: true, algorithm: key.algorithm, key: key.material)
    }

    /// None of the three given: the instance's key for a new template; an update keeps the
    /// template's signing as it is (its key is never returned, so a client cannot send it back).
    public var isUnspecified: Bool { customSigningKey == nil && algorithm == nil && key == nil }

    public var description: String {
        "TemplateSigning(custom: \(customSigningKey.map(String.init) ?? "-"), \(algorithm?.rawValue ?? "-"), key: \(key == nil ? "-" : "redacted"))"
    }

    /// The template's own key, or `nil` for the instance's key, which signs with `instanceAlgorithm`.
    /// Refuses a key without `custom_signing_key: true`, `custom_signing_key: true` without an
    /// algorithm and a key, and an algorithm other than the instance's without a key of its own
    /// (HS256 is never the instance's). Whether the key is of its algorithm is checked where it is
    /// parsed (`SigningKey(templateKey:)`).
    func resolved(instanceAlgorithm: JWSAlgorithm) throws(ManagementError) -> JWTTemplate.CustomSigningKey? {
        if customSigningKey == true {
            guard let algorithm else {
                throw .invalid("signing_algorithm", "signing_algorithm is required with custom_signing_key: RS256, ES256, EdDSA or HS256")
            }
            guard let key, !key.isEmpty else {
                throw .invalid("signing_key", "signing_key is required with custom_signing_key: the \(algorithm) private key (PEM) or HS256 secret")
            }
            return JWTTemplate.CustomSigningKey(algorithm: algorithm, material: key)
        }
        if key != nil {
            let flag = customSigningKey == false ? "custom_signing_key is false" : "custom_signing_key is not true"
            throw .invalid("signing_key", "signing_key is given but \(flag): set custom_signing_key to true to sign with it, or leave it out")
        }
        if let algorithm, algorithm != instanceAlgorithm {
            throw .invalid(
                "signing_algorithm",
                "signing_algorithm \(algorithm) needs custom_signing_key: true and a signing_key of that algorithm; "
                    + "without its own key a template signs with the instance's \(instanceAlgorithm) key")
        }
        return nil
    }
}
