import ArgumentParser
import SessionCrypto
import SessionTokens

/// Two ways to mint: from a key directory (`--keys`, offline: for tests and demos), or by a running server for one of its
/// sessions (`--session`, with `--url`/`--secret-key`), which signs with the tenant's key or the template's own.
struct TokenMintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mint",
        abstract: "Mint a session token, or a template token with --template: offline with --keys, or by a server with --session.",
        discussion: """
            Prints the compact JWT on stdout.
            Offline: --keys DIR --sid ID (--sub or --user), and --template FILE for a template token; time comes from the \
            clock unless --now is given.
            By a server: --session ID (with --url and --secret-key, or TESSERA_URL and TESSERA_SECRET_KEY), and \
            --template NAME for a template token of the server's (POST /v1/sessions/{id}/tokens[/{template}]).
            """)

    @Option(help: "The key directory (offline minting).")
    var keys: String?

    @Option(help: "A session of the server to mint for (server minting; needs --url/--secret-key or their variables).")
    var session: String?

    @OptionGroup var server: ServerOptions

    @Option(help: "The user id (sub). Defaults to the id in --user.")
    var sub: String?

    @Option(help: "The session id (sid).")
    var sid: String?

    @Option(help: "Signing algorithm: RS256, ES256 or EdDSA (offline; default RS256).")
    var alg: String?

    @Option(help: "The issuer (iss; offline; default http://127.0.0.1:8080).")
    var issuer: String?

    @Option(help: "The authorized party (azp), when known.")
    var azp: String?

    @Option(
        help: """
            Offline: a JWT template file in Clerk's shape ({"name", "claims", "lifetime"?, "allowed_clock_skew"?}). \
            With --session: the name of one of the server's templates.
            """)
    var template: String?

    @Option(help: "A user file in Clerk's Backend API shape, for the template's shortcodes.")
    var user: String?

    @Option(name: .customLong("expires-in"), help: "Lifetime in seconds (30…315360000).")
    var expiresIn: Int64?

    @Option(help: "Unix time to mint at (default: now).")
    var now: Int64?

    /// The server's and the minter's range of lifetimes, checked before anything else so the error names the flag.
    static func validateLifetime(_ expiresIn: Int64?) throws {
        if let expiresIn, !(30...315_360_000).contains(expiresIn) { throw ValidationError("--expires-in must be from 30 to 315360000 seconds") }
    }

    func validate() throws {
        try Self.validateLifetime(expiresIn)
        if session != nil {
            if keys != nil { throw ValidationError("give --keys (offline) or --session (by a server), not both") }
            let offline: [(String, Bool)] = [
                ("--sub", sub != nil), ("--sid", sid != nil), ("--user", user != nil), ("--azp", azp != nil), ("--now", now != nil),
                ("--alg", alg != nil), ("--issuer", issuer != nil),
            ]
            if let (flag, _) = offline.first(where: { $0.1 }) { throw ValidationError("\(flag) is for offline minting (--keys), not --session") }
            return
        }
        if keys == nil { throw ValidationError("--keys is required for offline minting (or --session to mint by a server)") }
        if server.url != nil || server.secretKey != nil { throw ValidationError("--url and --secret-key need --session") }
        if sid == nil { throw ValidationError("--sid is required with --keys") }
        if sub == nil, user == nil { throw ValidationError("--sub is required with --keys (or --user with an id)") }
        if user != nil, template == nil { throw ValidationError("--user only matters with --template") }
    }

    func run() async throws {
        if let session { return try await mintByServer(session: session) }
        try mintOffline(keys: keys!, sid: sid!)
    }

    private func mintByServer(session: String) async throws {
        var path = "/sessions/\(APIClient.segment(session))/tokens"
        if let template { path += "/\(APIClient.segment(template))" }
        var body: JSONObject = [:]
        if let expiresIn { body["expires_in_seconds"] = .integer(expiresIn) }
        let answer = try await server.client().call("POST", path, body: .object(body), flags: ["expires_in_seconds": "--expires-in"])
        guard let jwt = answer["jwt"]?.stringValue else { throw CLI.fail("the server answered without a token") }
        print(jwt)
    }

    private func mintOffline(keys: String, sid: String) throws {
        let ring = try CLI.loadKeys(keys)
        let algorithm = try CLI.algorithm(alg ?? "RS256")
        let issuer = issuer ?? "http://127.0.0.1:8080"
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
