import ArgumentParser
import Foundation
import SessionTokens
import SessionVerification

extension RevocationsCommand {
    /// How long a revocation takes to reach a networkless verifier: a real `VerifierSync` follows the server, and once
    /// it refuses the token the command reads the revocation's own time (`revoked_at`) from the feed entry that refused
    /// it. The figure runs from that instant, as the server recorded it, to the refusal here: not from the command's
    /// start, which would count however long the caller waited before revoking.
    struct Await: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "await",
            abstract: "Follow the server as a networkless verifier (VerifierSync) until TOKEN is refused; print how long after the revocation.",
            discussion: """
                Prints "refused after S seconds: CODE (…)", S measured from the revocation's revoked_at (the server's clock) \\
                to the refusal (this machine's clock; the two should agree, e.g. by NTP). Without a matching feed entry \\
                (the token expired, …), S is measured from when the follower was ready and says so. Exit 0 once refused, \\
                1 on timeout. The token must verify when the follower starts.
                """)
        @OptionGroup var server: ServerOptions
        @Argument(help: "A session token of this server.") var token: String
        @Option(help: "Give up after this many seconds (1…3600).") var timeout = 30

        func validate() throws {
            guard (1...3600).contains(timeout) else { throw ValidationError("--timeout must be from 1 to 3600 seconds") }
        }

        func run() async throws {
            let client = try server.client()
            let sync = VerifierSync(configuration: .init(serverURL: client.baseURL, secretKey: client.secretKey))
            let follower = Task { try await sync.run() }
            defer { follower.cancel() }
            guard await sync.waitUntilCurrent(timeout: .seconds(10)) else { throw CLI.fail("could not sync: \(sync.status.lastError ?? "timeout")") }
            let verifier = sync.verifier(policy: ClaimPolicy())
            let claims: JWTClaims
            do { claims = try verifier.verify(token, now: Self.seconds()).claims } catch { throw CLI.fail("the token is already refused: \(error)") }
            // Entries after this cursor are the ones that can refuse the token (it verified against all before it).
            let cursor = sync.status.cursor
            let ready = "following \(client.baseURL): keys \(sync.status.keyIDs.count), revocations \(sync.status.revocationCount); the token verifies\n"
            FileHandle.standardOutput.write(Data(ready.utf8))
            let readyAt = Self.milliseconds()
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .seconds(timeout) {
                do { _ = try verifier.verify(token, now: Self.seconds()) } catch {
                    let refusedAt = Self.milliseconds()
                    guard error.code == .revoked, let entry = try await Self.entry(refusing: claims, after: cursor, client: client) else {
                        print("refused after \(Self.text(refusedAt - readyAt)) seconds: \(error.code) (measured from when the follower was ready: no revocation entry)")
                        return
                    }
                    let elapsed = refusedAt - entry.revokedAt
                    let skew = elapsed < 0 ? "; negative: the clocks disagree" : ""
                    print(
                        "refused after \(Self.text(max(0, elapsed))) seconds: \(error.code) (from the revocation: seq \(entry.sequence), "
                            + "revoked_at \(entry.revokedAt) ms, to the refusal here\(skew); the follower had waited \(Self.text(refusedAt - readyAt)) s)")
                    return
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            throw CLI.fail("still valid after \(timeout) s")
        }

        /// The first feed entry after `cursor` that revokes the token: its session, its user's tokens up to their
        /// `notBefore`, or its client's consent.
        static func entry(refusing claims: JWTClaims, after cursor: Int64, client: APIClient) async throws -> RevocationFeedEntry? {
            let answer = try await client.call("GET", "/revocations?after=\(cursor)&limit=1000")
            let page: RevocationFeedMessage
            do throws(VerificationError) { page = try RevocationFeedCodec.decode(JSONWriter.serialize(answer)) } catch {
                throw CLI.fail("the feed answered something else: \(error.reason)")
            }
            // Saturating: a token's iat is a number from outside, however it verified.
            let (product, overflow) = (claims.issuedAt ?? 0).multipliedReportingOverflow(by: 1000)
            let issuedAt = overflow ? Int64.max : product
            return page.entries.first { entry in
                switch entry.target {
                case .session(let id): return id == claims.sessionID
                case .user(let user, let notBefore, let sessions), .otherSessions(let user, _, let notBefore, let sessions):
                    return claims.sessionID.map(sessions.contains) ?? (user == claims.subject && issuedAt <= notBefore)
                case .consent(_, let user, let clientID, let notBefore):
                    return user == claims.subject && claims.additional["client_id"]?.stringValue == clientID && issuedAt <= notBefore
                }
            }
        }

        static func seconds() -> Int64 { Int64(Date().timeIntervalSince1970) }
        static func milliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

        /// Milliseconds as seconds with three decimals.
        static func text(_ milliseconds: Int64) -> String {
            let sign = milliseconds < 0 ? "-" : ""
            let magnitude = milliseconds.magnitude
            let fraction = String(magnitude % 1000)
            return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
        }
    }
}
