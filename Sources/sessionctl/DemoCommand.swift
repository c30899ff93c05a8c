import ArgumentParser
import SessionCrypto
import SessionTokens
import SessionVerification

/// What `make run` shows until the server exists: dev keys, the JWKS, and a fresh token that
/// has been verified networklessly against that JWKS.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Generate dev keys if missing, print the JWKS and a freshly minted, verified token.")

    @Option(help: "The key directory (created with RS256, ES256 and EdDSA keys when missing).")
    var keys: String = "keys/dev"

    func run() throws {
        let directory = KeyDirectory(path: keys)
        let now = CLI.now(nil)
        do {
            for algorithm in [JWSAlgorithm.rs256, .es256, .edDSA] where !directory.hasKey(for: algorithm) {
                let key = try directory.generate(algorithm, now: now)
                print("generated \(keys)/\(KeyDirectory.fileName(for: algorithm)) (\(algorithm), kid \(key.keyID ?? "-"))")
            }
            let ring = try directory.load()
            print("JWKS (\(keys)):")
            print(JSONWriter.prettyString(.object(ring.jwks.jsonObject), sortKeys: false))
            let claims = try JWTClaims.sessionToken(
                SessionTokenRequest(sessionID: "sess_dev", userID: "user_dev", issuer: "http://127.0.0.1:8080"),
                now: now, tokenID: SecureRandom().tokenID())
            let token = try ring.active.mint(claims)
            let verifier = SessionVerifier(keys: try VerifierKeys(jwks: ring.jwks))
            let verified = try verifier.verify(token, now: now)
            print("\nDev session token (\(ring.active.algorithm), valid 60 s):\n\(token)")
            print("\nVerified networklessly against the JWKS; claims:")
            print(JSONWriter.prettyString(.object(verified.claims.jsonObject)))
        } catch let error as CryptoError {
            throw CLI.fail(error.reason)
        } catch let error as TokenError {
            throw CLI.fail(error.reason)
        } catch let error as VerificationError {
            throw CLI.fail("\(error.code): \(error.reason)")
        }
    }
}
