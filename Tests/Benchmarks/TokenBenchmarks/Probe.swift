import BenchmarkSupport
import Foundation
import SessionCrypto
import SessionTokens
import SessionVerification

/// `BENCH_PROBE=1`: rates of the pieces of a mint, to see where time goes.
enum Probe {
    /// `BENCH_PROBE=parse`: a fixed number of parses, for callgrind.
    static func parseLoop(_ claims: JWTClaims) throws {
        let payload = claims.serialized()
        for _ in 0..<(Int(ProcessInfo.processInfo.environment["PARSE_LOOPS"] ?? "") ?? 20_000) { _ = try JWTClaims.parse(payload) }
    }

    static func verifyParts(_ key: SigningKey, claims: JWTClaims, verifier: SessionVerifier, now: Int64) throws {
        let token = try key.mint(claims)
        print("verify full: \(Int(try CPUClock.rate(seconds: 1) { _ = try verifier.verify(token, now: now) }))/s")
        var noRevocations = verifier
        noRevocations.revocations = nil
        print("verify, policy, no revocations: \(Int(try CPUClock.rate(seconds: 1) { _ = try noRevocations.verify(token, now: now) }))/s")
        let list = verifier.revocations!
        print("revocation check alone: \(Int(CPUClock.rate(seconds: 1) { _ = list.isRevoked(sessionID: claims.sessionID, userID: claims.subject, issuedAt: 1) }))/s")
        var bare = verifier
        bare.revocations = nil
        bare.policy = ClaimPolicy()
        print("verify no revocations, default policy: \(Int(try CPUClock.rate(seconds: 1) { _ = try bare.verify(token, now: now) }))/s")
        print("verifySignature: \(Int(try CPUClock.rate(seconds: 1) { _ = try verifier.verifySignature(token) }))/s")
        let input = Array(token.utf8[..<token.utf8.lastIndex(of: UInt8(ascii: "."))!])
        let signature = Base64URL.decode(token.split(separator: ".")[2])!
        print("raw HMAC verify: \(Int(CPUClock.rate(seconds: 1) { _ = key.verificationKey.isValidSignature(signature, for: input) }))/s")
        var minimal = JWTClaims(expiresAt: now + 60, issuedAt: now, subject: "user_1")
        minimal.sessionID = "sess_1"
        let small = try key.mint(minimal)
        print("verify minimal token (\(small.utf8.count) B): \(Int(try CPUClock.rate(seconds: 1) { _ = try bare.verify(small, now: now) }))/s")
    }

    static func run(_ keys: [(JWSAlgorithm, SigningKey)], claims: JWTClaims) throws {
        let input = [UInt8](repeating: 0x61, count: 700)
        for (algorithm, key) in keys {
            let rate = try input.withUnsafeBytes { bytes in try CPUClock.rate(seconds: 1) { _ = try key.sign(bytes) } }
            let mintRate = try CPUClock.rate(seconds: 1) { _ = try key.mint(claims) }
            print("\(algorithm) sign(700 B): \(Int(rate))/s  mint(fixed claims): \(Int(mintRate))/s")
        }
        print("serialize: \(Int(CPUClock.rate(seconds: 1) { _ = claims.serialized() }))/s")
        var bare = claims
        bare.additional = [:]
        print("serialize without template claims: \(Int(CPUClock.rate(seconds: 1) { _ = bare.serialized() }))/s")
        let request = SessionTokenRequest(sessionID: claims.sessionID!, userID: claims.subject!, issuer: claims.issuer!, authorizedParty: claims.authorizedParty)
        let additional = claims.additional
        print("build claims: \(Int(try CPUClock.rate(seconds: 1) { var c = try JWTClaims.sessionToken(request, now: 1, tokenID: "0123456789abcdef0123"); c.additional = additional; _ = c }))/s")
        let payloadBytes = claims.serialized()
        print("b64 encode payload: \(Int(CPUClock.rate(seconds: 1) { var out: [UInt8] = []; Base64URL.encode(payloadBytes, into: &out) }))/s")
        print("sha256(700 B): \(Int(CPUClock.rate(seconds: 1) { _ = SHA256.hash(input) }))/s")
        let random = SecureRandom()
        print("tokenID: \(Int(try CPUClock.rate(seconds: 1) { _ = try random.tokenID() }))/s")
        let payload = claims.serialized()
        print("parse claims: \(Int(try CPUClock.rate(seconds: 1) { _ = try JWTClaims.parse(payload) }))/s")
        let encoded = Base64URL.encode(payload)
        print("b64 decode payload: \(Int(CPUClock.rate(seconds: 1) { _ = Base64URL.decode(encoded) }))/s")
    }
}
