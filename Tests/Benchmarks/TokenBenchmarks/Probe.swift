import Foundation
import SessionCrypto
import SessionTokens

/// `BENCH_PROBE=1`: rates of the pieces of a mint, to see where time goes.
enum Probe {
    /// `BENCH_PROBE=parse`: a fixed number of parses, for callgrind.
    static func parseLoop(_ claims: JWTClaims) throws {
        let payload = claims.serialized()
        for _ in 0..<20_000 { _ = try JWTClaims.parse(payload) }
    }

    static func run(_ keys: [(JWSAlgorithm, SigningKey)], claims: JWTClaims) throws {
        let input = [UInt8](repeating: 0x61, count: 700)
        for (algorithm, key) in keys {
            let rate = try input.withUnsafeBytes { bytes in try CPUClock.rate(seconds: 1) { _ = try key.sign(bytes) } }
            let mintRate = try CPUClock.rate(seconds: 1) { _ = try key.mint(claims) }
            print("\(algorithm) sign(700 B): \(Int(rate))/s  mint(fixed claims): \(Int(mintRate))/s")
        }
        print("serialize: \(Int(CPUClock.rate(seconds: 1) { _ = claims.serialized() }))/s")
        print("sha256(700 B): \(Int(CPUClock.rate(seconds: 1) { _ = SHA256.hash(input) }))/s")
        let random = SecureRandom()
        print("tokenID: \(Int(try CPUClock.rate(seconds: 1) { _ = try random.tokenID() }))/s")
        let payload = claims.serialized()
        print("parse claims: \(Int(try CPUClock.rate(seconds: 1) { _ = try JWTClaims.parse(payload) }))/s")
        let encoded = Base64URL.encode(payload)
        print("b64 decode payload: \(Int(CPUClock.rate(seconds: 1) { _ = Base64URL.decode(encoded) }))/s")
    }
}
