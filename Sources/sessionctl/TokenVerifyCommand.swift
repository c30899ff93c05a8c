import ArgumentParser
import SessionCrypto
import SessionTokens
import SessionVerification

struct TokenVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a token networklessly.",
        discussion: """
            Exit 0 and the claims (or, with --signature-only, the JWS payload as is) on stdout; \
            exit 1 and the rejection code on stderr.
            """)

    @Option(help: "A JWKS file: the token's kid must match a key's kid exactly.")
    var jwks: String?

    @Option(help: "A JWK file: this one key is trusted whatever kid the token names.")
    var jwk: String?

    @Argument(help: "The compact token.")
    var token: String

    @Option(help: "Unix time to judge at (default: now).")
    var now: Int64?

    @Option(help: "Require this iss.")
    var issuer: String?

    @Option(name: .customLong("authorized-party"), help: "Allow this azp (repeatable); azp is then required.")
    var authorizedParties: [String] = []

    @Option(help: "Require this audience in aud.")
    var audience: String?

    @Option(help: "Clock leeway in seconds.")
    var leeway: Int64 = ClaimPolicy.defaultLeeway

    @Flag(name: .customLong("signature-only"), help: "Check the JWS signature only and print the payload bytes.")
    var signatureOnly = false

    func validate() throws {
        guard (jwks == nil) != (jwk == nil) else { throw ValidationError("give exactly one of --jwks and --jwk") }
    }

    func run() throws {
        let keys: VerifierKeys
        do {
            if let jwks {
                keys = try VerifierKeys(jwks: JWKS.parse(CLI.read(jwks)))
            } else {
                keys = .trusting(try VerificationKey(jwk: JWK.parse(CLI.read(jwk!))))
            }
        } catch let error as TokenError {
            throw CLI.fail(error.reason)
        } catch let error as CryptoError {
            throw CLI.fail(error.reason)
        }
        let policy = ClaimPolicy(
            leeway: leeway, issuer: issuer, authorizedParties: authorizedParties.isEmpty ? nil : Set(authorizedParties),
            audience: audience)
        let verifier = SessionVerifier(keys: keys, policy: policy)
        do {
            if signatureOnly {
                let verified = try verifier.verifySignature(token)
                FileHandleOutput.write(verified.payload)
            } else {
                let verified = try verifier.verify(token, now: CLI.now(now))
                print(JSONWriter.prettyString(.object(verified.claims.jsonObject)))
            }
        } catch {
            CLI.printError("\(error.code.rawValue): \(error.reason)")
            throw ExitCode(1)
        }
    }
}
