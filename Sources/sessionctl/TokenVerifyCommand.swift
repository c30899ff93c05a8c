import ArgumentParser
import Foundation
import SessionCrypto
import SessionTokens
import SessionVerification

/// Signature and claims against the keys given; revocation only with `--feed`, read the way any networkless verifier
/// reads it (`VerifierSync` over the server's feed, with a verifier key). Without it, stderr says revocation was not
/// checked: a valid signature alone does not mean the session is still active.
struct TokenVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a token networklessly (signature and claims; revocation too with --feed and --verifier-key).",
        discussion: """
            Exit 0 and the claims (or, with --signature-only, the JWS payload as is) on stdout; \
            exit 1 and the rejection code on stderr. Without --feed, revocation is NOT checked, and stderr says so.
            """)

    @Option(help: "Check revocation against this server's feed (its URL, or its …/v1/revocations address).")
    var feed: String?

    @Option(name: .customLong("verifier-key"), help: "A verifier key (vk_…) for --feed (TESSERA_VERIFIER_KEY).")
    var verifierKey: String?

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
        if feed != nil, signatureOnly { throw ValidationError("--feed checks revocation, which --signature-only skips; give one of them") }
        if verifierKey != nil, feed == nil { throw ValidationError("--verifier-key needs --feed") }
        if feed != nil, resolvedVerifierKey == nil { throw ValidationError("--verifier-key is required with --feed (or TESSERA_VERIFIER_KEY)") }
    }

    private var resolvedVerifierKey: String? {
        (verifierKey ?? ProcessInfo.processInfo.environment["TESSERA_VERIFIER_KEY"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The follower's revocation list once it has caught up with the feed (a stale or unread list refuses every token).
    private func followFeed(_ feed: String) async throws -> (RevocationList, Task<Void, any Error>) {
        var server = feed
        while server.hasSuffix("/") { server.removeLast() }
        if server.hasSuffix("/v1/revocations") { server.removeLast("/v1/revocations".count) }
        let sync = VerifierSync(configuration: .init(serverURL: server, secretKey: resolvedVerifierKey ?? ""))
        let follower = Task { try await sync.run() }
        guard await sync.waitUntilCurrent(timeout: .seconds(10)) else {
            follower.cancel()
            throw CLI.fail("cannot read the revocation feed of \(server): \(sync.status.lastError ?? "timeout")")
        }
        return (sync.revocations, follower)
    }

    func run() async throws {
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
        var revocations: RevocationList?
        if let feed {
            let (list, follower) = try await followFeed(feed)
            follower.cancel()
            revocations = list
        }
        let verifier = SessionVerifier(keys: keys, policy: policy, revocations: revocations)
        do {
            if signatureOnly {
                let verified = try verifier.verifySignature(token)
                FileHandleOutput.write(verified.payload)
                CLI.printError("sessionctl: only the signature was checked: not the claims (exp, iss, …), not revocation")
            } else {
                let verified = try verifier.verify(token, now: CLI.now(now))
                print(JSONWriter.prettyString(.object(verified.claims.jsonObject)))
                if revocations == nil {
                    CLI.printError(
                        "sessionctl: revocation NOT checked (signature and claims only); give --feed URL --verifier-key vk_… to check it")
                } else {
                    CLI.printError("sessionctl: not revoked (checked against \(feed ?? "the feed"))")
                }
            }
        } catch {
            CLI.printError("\(error.code.rawValue): \(error.reason)")
            throw ExitCode(1)
        }
    }
}
