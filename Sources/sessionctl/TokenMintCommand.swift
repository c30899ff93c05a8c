import ArgumentParser
import SessionCrypto
import SessionTokens

struct TokenMintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mint",
        abstract: "Mint a session token, or a template token with --template.",
        discussion: "Prints the compact JWT on stdout. Time comes from the clock unless --now is given.")

    @Option(help: "The key directory.")
    var keys: String

    @Option(help: "The user id (sub). Defaults to the id in --user.")
    var sub: String?

    @Option(help: "The session id (sid).")
    var sid: String

    @Option(help: "Signing algorithm: RS256, ES256 or EdDSA.")
    var alg: String = "RS256"

    @Option(help: "The issuer (iss).")
    var issuer: String = "http://127.0.0.1:8080"

    @Option(help: "The authorized party (azp), when known.")
    var azp: String?

    @Option(help: "A JWT template file in Clerk's shape: {\"name\", \"claims\", \"lifetime\"?, \"allowed_clock_skew\"?}.")
    var template: String?

    @Option(help: "A user file in Clerk's Backend API shape, for the template's shortcodes.")
    var user: String?

    @Option(name: .customLong("expires-in"), help: "Lifetime in seconds (30…315360000).")
    var expiresIn: Int64?

    @Option(help: "Unix time to mint at (default: now).")
    var now: Int64?

    func validate() throws {
        if sub == nil, user == nil { throw ValidationError("give --sub, or --user with an id") }
        if user != nil, template == nil { throw ValidationError("--user only matters with --template") }
    }

    func run() throws {
        let ring = try CLI.loadKeys(keys)
        let algorithm = try CLI.algorithm(alg)
        guard var signer = ring.signingKey(for: algorithm) else { throw CLI.fail("no active \(algorithm) key in \(keys)") }
        let instant = CLI.now(now)
        do {
            let tokenID = try SecureRandom().tokenID()
            let claims: JWTClaims
            if let template {
                let parsed = try JWTTemplate(json: CLI.readJSONObject(template))
                var templateUser = TemplateUser(id: sub ?? "")
                if let user { templateUser = try TemplateUser(clerkJSON: CLI.readJSONObject(user)) }
                if let sub, sub != templateUser.id { throw CLI.fail("--sub \(sub) differs from the user file's id \(templateUser.id)") }
                let session = TemplateSession(id: sid, createdAt: instant * 1000, expireAt: (instant + 7 * 86_400) * 1000)
                claims = try JWTClaims.templateToken(
                    parsed, context: TemplateContext(user: templateUser, session: session), user: templateUser,
                    request: TemplateTokenRequest(
                        issuer: issuer, authorizedParty: azp, expiresInSeconds: expiresIn, sessionID: sid,
                        sessionExpiresAt: session.expireAt / 1000),
                    now: instant, tokenID: tokenID)
                if let custom = parsed.customSigningKey { signer = try SigningKey(templateKey: custom) }
                _ = try JWTClaims.preview(
                    claims: claims, header: JOSEHeader(algorithm: signer.algorithm, keyID: signer.keyID),
                    signatureLength: signer.signatureLength)
            } else {
                claims = try JWTClaims.sessionToken(
                    SessionTokenRequest(sessionID: sid, userID: sub!, issuer: issuer, authorizedParty: azp, expiresInSeconds: expiresIn),
                    now: instant, tokenID: tokenID)
            }
            print(try signer.mint(claims))
        } catch let error as TokenError {
            throw CLI.fail(error.reason)
        } catch let error as CryptoError {
            throw CLI.fail(error.reason)
        }
    }
}
