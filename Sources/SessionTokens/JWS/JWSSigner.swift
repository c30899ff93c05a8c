/// Something that produces JWS signatures: implemented by `SessionCrypto`'s keys, so that this
/// module stays free of OpenSSL and I/O.
public protocol JWSSigner: Sendable {
    var algorithm: JWSAlgorithm { get }
    /// The `kid` written into headers; `nil` writes none.
    var keyID: String? { get }
    /// The length of every signature this signer makes, for exact size budgets before signing.
    var signatureLength: Int { get }
    /// Signs the JWS signing input and returns the signature in its JWS form (raw `r‖s` for ES256).
    func sign(_ signingInput: UnsafeRawBufferPointer) throws -> [UInt8]
}
