import BenchmarkSupport
import Foundation
import SessionCrypto
import SessionTokens
import SessionVerification

/// `make bench`: tokens minted and verified per second on one core, for a realistic session token
/// (the v2 claims plus five template-style claims), beside the same run's `openssl speed` figure for
/// the same primitive. Rounds are interleaved (ceiling, ours, ceiling, ours, …) and medians reported.
@main
struct TokenBenchmarks {
    struct Row {
        var op: String
        /// Per user CPU second, the divisor `openssl speed` uses.
        var perSecond: [Double] = []
        /// Per user + system CPU second, the stricter count.
        var perCPUSecond: [Double] = []
        var ceiling: [Double] = []
        /// Token operation over our raw primitive call, finely interleaved.
        var overPrimitive: Double = 0
        var target: Double
        var targetIsAbsolute = false

        var median: Double { Self.median(perSecond) }
        var ceilingMedian: Double? { ceiling.isEmpty ? nil : Self.median(ceiling) }
        /// The median of per-round ratios: each round's pair ran back to back, so slow drifts of the
        /// shared machine cancel within a pair.
        var ratio: Double? { ceiling.isEmpty ? nil : Self.median(zip(perSecond, ceiling).map { $0 / $1 }) }
        var cpuRatio: Double? { ceiling.isEmpty ? nil : Self.median(zip(perCPUSecond, ceiling).map { $0 / $1 }) }
        var meetsTarget: Bool { targetIsAbsolute ? median >= target : (ratio ?? 0) >= target }

        static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        }
    }

    static func main() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["BENCH_ROUNDS"] ?? "") ?? 9
        let seconds = Double(ProcessInfo.processInfo.environment["BENCH_SECONDS"] ?? "") ?? 0.5
        let keysDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("keys/test").path
        func load(_ name: String) throws -> SigningKey {
            try SigningKey(pem: String(contentsOfFile: "\(keysDirectory)/\(name)", encoding: .utf8))
        }
        let keys: [(JWSAlgorithm, SigningKey)] = [
            (.rs256, try load("rs256.pem")), (.es256, try load("es256.pem")), (.edDSA, try load("eddsa.pem")),
            (.hs256, try SigningKey(hmacSecret: Array("tessera-benchmark-template-secret-32+".utf8), keyID: "hs")),
        ]
        let verifier = SessionVerifier(
            keys: try VerifierKeys(keys.map(\.1.verificationKey)),
            policy: ClaimPolicy(issuer: "https://clerk.tessera.example", authorizedParties: ["https://app.tessera.example"]),
            revocations: RevocationList(RevocationSnapshot(sessions: ["sess_revoked_elsewhere"])))
        let random = SecureRandom()
        let now = Int64(Date().timeIntervalSince1970)
        let request = SessionTokenRequest(
            sessionID: "sess_2oVdJz9k3VbWq1RyQm7sLxTn4Ea", userID: "user_2oVdHk8cYt3pN5wXz1LqRb6MfSd",
            issuer: "https://clerk.tessera.example", authorizedParty: "https://app.tessera.example",
            sessionExpiresAt: now + 7 * 86_400)
        let templateClaims: JSONObject = [
            "email": .string("ada.lovelace@example.com"),
            "role": .string("org:admin"),
            "org_id": .string("org_2oVdKq4TbZr8Ws1NyLm3Hx9Pc"),
            "permissions": .array([.string("org:billing:manage"), .string("org:members:read"), .string("org:sys_domains:read")]),
            "metadata": .object(["plan": .string("pro"), "seats": .integer(25), "beta": .bool(true)]),
        ]
        func mint(_ key: SigningKey) throws -> String {
            var claims = try JWTClaims.sessionToken(request, now: now, tokenID: random.tokenID())
            claims.additional = templateClaims
            return try key.mint(claims)
        }
        if ProcessInfo.processInfo.environment["BENCH_PROBE"] == "parse" {
            var claims = try JWTClaims.sessionToken(request, now: now, tokenID: random.tokenID())
            claims.additional = templateClaims
            try Probe.parseLoop(claims)
            return
        }
        if ProcessInfo.processInfo.environment["BENCH_PROBE"] == "1" {
            var claims = try JWTClaims.sessionToken(request, now: now, tokenID: random.tokenID())
            claims.additional = templateClaims
            try Probe.run(keys, claims: claims)
            try Probe.verifyParts(keys[3].1, claims: claims, verifier: verifier, now: now)
            return
        }
        if ProcessInfo.processInfo.environment["BENCH_PROBE"] == "raw-es256" {
            let digest = [UInt8](repeating: 0x61, count: 32)
            let generated = try SigningKey.generate(.es256)
            for (label, key) in [("PEM key", keys[1].1), ("generated key", generated), ("PEM key", keys[1].1)] {
                let running = try OpenSSLSpeed.start(["-seconds", "2", "ecdsap256"])
                let userBefore = CPUClock.userNow()
                var count = 0
                let ours = try digest.withUnsafeBytes { bytes in try CPUClock.rate(wallSeconds: 2) { _ = try key.sign(bytes); count += 1 }.perCPUSecond }
                let userRate = Double(count) / (CPUClock.userNow() - userBefore)
                let ceiling = try OpenSSLSpeed.parseSignVerify(running.finish(), tag: "F4")
                print(String(format: "%@: ours %.0f (per user-CPU s %.0f)  openssl %.0f  ratio %.3f (user time %.3f)", label as NSString, ours, userRate, ceiling.sign, ours / ceiling.sign, userRate / ceiling.sign))
            }
            return
        }
        if let probe = ProcessInfo.processInfo.environment["BENCH_PROBE"], probe.hasPrefix("rate-") {
            // rate-mint-ES256, rate-verify-HS256, …: operations per user CPU second over PROBE_SECONDS of wall
            // time, for comparing two builds run at once on one CPU.
            let parts = probe.split(separator: "-")
            let key = keys.first { $0.0.rawValue == parts[2] }!.1
            let token = try mint(key)
            let seconds = Double(ProcessInfo.processInfo.environment["PROBE_SECONDS"] ?? "") ?? 3
            let rates = try CPUClock.rate(wallSeconds: seconds) {
                if parts[1] == "verify" { _ = try verifier.verify(token, now: now) } else { _ = try mint(key) }
            }
            print(String(format: "%.0f", rates.perUserSecond))
            return
        }
        if let probe = ProcessInfo.processInfo.environment["BENCH_PROBE"], probe.hasPrefix("loop-") {
            // Fixed operation counts for callgrind: loop-verify-HS256, loop-mint-ES256, …
            let parts = probe.split(separator: "-")
            let key = keys.first { $0.0.rawValue == parts[2] }!.1
            let token = try mint(key)
            for _ in 0..<(Int(ProcessInfo.processInfo.environment["PROBE_LOOPS"] ?? "") ?? 20_000) {
                if parts[1] == "verify" { _ = try verifier.verify(token, now: now) } else { _ = try mint(key) }
            }
            return
        }
        let sample = try mint(keys[0].1)
        let payloadBytes = Base64URL.decode(sample.split(separator: ".")[1])!.count
        print("CPUs allowed: \(CPUPinning.allowedCPUs) (make bench pins to one; openssl speed inherits it)")
        print("Token: RS256 \(sample.utf8.count) bytes, payload \(payloadBytes) bytes JSON; \(rounds) rounds of \(seconds) s CPU per op")

        var rows: [String: Row] = [:]
        let targets: [(String, Double, Bool)] = [
            ("RS256.mint", 0.95, false), ("RS256.verify", 0.85, false), ("ES256.mint", 0.95, false), ("ES256.verify", 0.90, false),
            ("EdDSA.mint", 0.90, false), ("EdDSA.verify", 0.90, false), ("HS256.mint", 400_000, true), ("HS256.verify", 300_000, true),
        ]
        for (op, target, absolute) in targets { rows[op] = Row(op: op, target: target, targetIsAbsolute: absolute) }
        let ceilingSeconds = max(1, Int(seconds.rounded()))
        // The ceiling runs *at the same time* as our measurement, on the same CPU (the process is
        // pinned and openssl speed inherits the pin): the scheduler shares the CPU between them and
        // each counts operations per CPU-second of its own, so drift of the shared machine (which
        // swings the same work ±15 % from one second to the next) hits both alike. Our mint runs
        // during openssl's sign phase and our verify during its verify phase; HMAC has one phase,
        // so it is started once for each. The ratio is the median over the rounds.
        let hmacInputBytes = sample.utf8.count - 344
        let window = Double(ceilingSeconds)
        for round in 1...rounds {
            for (algorithm, key) in keys {
                let token = try mint(key)
                let ceiling: OpenSSLSpeed.Rates
                var mintRate = CPUClock.SharedRates(perUserSecond: 0, perCPUSecond: 0)
                var verifyRate = mintRate
                switch algorithm {
                case .hs256:
                    let arguments = ["-seconds", "\(ceilingSeconds)", "-bytes", "\(hmacInputBytes)", "-hmac", "sha256"]
                    let first = try OpenSSLSpeed.start(arguments)
                    mintRate = try CPUClock.rate(wallSeconds: window) { _ = try mint(key) }
                    let signRate = try OpenSSLSpeed.parseHMAC(first.finish(), bytes: hmacInputBytes)
                    let second = try OpenSSLSpeed.start(arguments)
                    verifyRate = try CPUClock.rate(wallSeconds: window) { _ = try verifier.verify(token, now: now) }
                    let verifyCeiling = try OpenSSLSpeed.parseHMAC(second.finish(), bytes: hmacInputBytes)
                    ceiling = OpenSSLSpeed.Rates(sign: signRate, verify: verifyCeiling)
                default:
                    let (name, tag) = algorithm == .rs256 ? ("rsa2048", "F2") : algorithm == .es256 ? ("ecdsap256", "F4") : ("ed25519", "F6")
                    let running = try OpenSSLSpeed.start(["-seconds", "\(ceilingSeconds)", name])
                    mintRate = try CPUClock.rate(wallSeconds: window) { _ = try mint(key) }
                    verifyRate = try CPUClock.rate(wallSeconds: window) { _ = try verifier.verify(token, now: now) }
                    ceiling = try OpenSSLSpeed.parseSignVerify(running.finish(), tag: tag)
                }
                rows["\(algorithm).mint"]!.perSecond.append(mintRate.perUserSecond)
                rows["\(algorithm).verify"]!.perSecond.append(verifyRate.perUserSecond)
                rows["\(algorithm).mint"]!.perCPUSecond.append(mintRate.perCPUSecond)
                rows["\(algorithm).verify"]!.perCPUSecond.append(verifyRate.perCPUSecond)
                rows["\(algorithm).mint"]!.ceiling.append(ceiling.sign)
                rows["\(algorithm).verify"]!.ceiling.append(ceiling.verify)
            }
            print("round \(round)/\(rounds) done")
        }

        // What the token work costs on top of the signature primitive itself, measured without the
        // drift that separate runs suffer: our mint against a raw sign of a digest-sized input (what
        // openssl speed signs), our verify against a raw verify of such a signature. For HS256 the
        // raw MAC runs over an input the size of the token's signing input.
        for (algorithm, key) in keys {
            let token = try mint(key)
            let digest = [UInt8](repeating: 0x5A, count: 32)
            let input = algorithm == .hs256 ? [UInt8](repeating: 0x5A, count: hmacInputBytes) : digest
            let signature = try input.withUnsafeBytes { try key.sign($0) }
            rows["\(algorithm).mint"]!.overPrimitive = try CPUClock.interleavedRatio({ _ = try mint(key) }, against: {
                _ = try input.withUnsafeBytes { try key.sign($0) }
            })
            rows["\(algorithm).verify"]!.overPrimitive = try CPUClock.interleavedRatio({ _ = try verifier.verify(token, now: now) }, against: {
                _ = key.verificationKey.isValidSignature(signature, for: input)
            })
        }

        print("")
        print("op             tokens/s   openssl speed/s   ratio  (user+sys)   target        token/raw primitive")
        var json: [String] = []
        for (op, _, _) in targets {
            let row = rows[op]!
            func format(_ value: Double?) -> NSString { (value.map { String(format: "%.3f", $0) } ?? "-") as NSString }
            let target = row.targetIsAbsolute ? String(format: "≥ %.0fk/s", row.target / 1000) : String(format: "≥ %.2f", row.target)
            print(String(
                format: "%-13@ %10.0f %17.0f %7@ %9@     %-9@ %-6@  %.3f", op as NSString, row.median, row.ceilingMedian ?? 0,
                format(row.ratio), format(row.cpuRatio), target as NSString, (row.meetsTarget ? "ok" : "MISSED") as NSString,
                row.overPrimitive))
            json.append(String(
                format: "{\"op\":\"%@\",\"per_s\":%.0f,\"ceiling_per_s\":%.0f,\"ratio\":%@,\"ratio_user_sys\":%@,\"over_raw_primitive\":%.3f}",
                op as NSString, row.median, row.ceilingMedian ?? 0, row.ratio.map { String(format: "%.3f", $0) } ?? "null",
                row.cpuRatio.map { String(format: "%.3f", $0) } ?? "null", row.overPrimitive))
        }
        print("ratio: median over \(rounds) rounds of ours / openssl speed, both running at once on one CPU, each per second of its")
        print("  user CPU time (openssl speed's divisor); (user+sys) charges us our system time too.")
        print("token/raw primitive: our whole token operation over our bare EVP call on a digest-sized input, alternating 30 ms slices.")
        print("HS256's ceiling and raw primitive are HMAC-SHA256 over an input the size of the token's signing input.")
        print("{\"bench\":\"tokens\",\"rows\":[\(json.joined(separator: ","))]}")
        // For the floor section that make bench runs next (Tests/Benchmarks/BarePrimitive).
        print("SIGNING_INPUT_BYTES \(hmacInputBytes)")
    }
}
