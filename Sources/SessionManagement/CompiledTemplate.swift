import SessionCrypto
import SessionStorage
import SessionTokens

/// A stored template made ready to mint: its claims parsed and their shortcodes compiled, its own
/// signing key (if any) opened and parsed, and the algorithm its row says it signs with. Built once
/// per version of the row (`TemplateCaches`), not per token.
struct CompiledTemplate: Sendable {
    /// The claims and settings; never holds the key material (`signer` does, opaque).
    let template: JWTTemplate
    /// The template's own key; `nil` signs with the instance's key.
    let signer: SigningKey?
    /// The row's `signing_algorithm`: minting refuses a signer of any other algorithm, so what the
    /// API shows is what tokens carry.
    let algorithm: JWSAlgorithm
}

extension SessionManager {
    /// Compiles a row as stored (its key sealed): opens and parses the key, parses the claims.
    func compile(_ record: JWTTemplateRecord) throws(ManagementError) -> CompiledTemplate {
        guard let algorithm = JWSAlgorithm(name: record.signingAlgorithm) else {
            throw ManagementError(.invalidTemplate, "template \(record.id)'s stored signing algorithm \(record.signingAlgorithm) is unknown")
        }
        var claimsOnly = record
        claimsOnly.customSigningKey = nil
        let template = try Self.template(from: claimsOnly)
        guard let stored = record.customSigningKey else {
            return CompiledTemplate(template: template, signer: nil, algorithm: algorithm)
        }
        guard JWSAlgorithm(name: stored.algorithm) == algorithm else {
            throw ManagementError(
                .invalidTemplate, "template \(record.id) says it signs with \(record.signingAlgorithm) but its key is for \(stored.algorithm)")
        }
        guard let material = try opened(record).customSigningKey?.material else {
            throw ManagementError(.unavailable, "template \(record.id)'s signing key did not open")
        }
        do {
            let signer = try SigningKey(templateKey: JWTTemplate.CustomSigningKey(algorithm: algorithm, material: material))
            return CompiledTemplate(template: template, signer: signer, algorithm: algorithm)
        } catch {
            throw ManagementError(.invalidTemplate, "the template's signing key is unusable: \(error.reason)")
        }
    }
}
