import BenchmarkSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import SessionCrypto
import SessionTokens
import SessionVerification

/// `make bench`, revocation section. Against a running server (`TESSERA_URL`, `TESSERA_SECRET_KEY`):
/// a `VerifierSync` follows the feed while N sessions are revoked one by one through the API, and
/// for each we time how long until the verifier refuses that session's unexpired token. Then, in
/// process: verify throughput with a 1 M-entry revocation set against an empty one, and the set's memory.
/// Prints a table and a `REVOCATION_ROWS` line for the script to close the section with.
@main
struct RevocationBenchmarks {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let url = environment["TESSERA_URL"] ?? "http://127.0.0.1:8080"
        guard let key = environment["TESSERA_SECRET_KEY"] else { fatalError("set TESSERA_SECRET_KEY") }
        let count = Int(environment["REVOCATION_BENCH_N"] ?? "") ?? 1000
        var rows: [[String: Any]] = []

        let propagation = try await Propagation(url: url, secretKey: key, count: count).run()
        rows.append(propagation)

        let (ratios, mebibytes) = try RevocationSetCost.run(entries: Int(environment["REVOCATION_SET_SIZE"] ?? "") ?? 1_000_000)
        rows.append(contentsOf: ratios)
        rows.append(["op": "revset_1M", "mib": mebibytes])
        let json = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])
        print("REVOCATION_ROWS " + String(decoding: json, as: UTF8.self))
    }
}

/// Sessions revoked through the API, each timed until a feed follower refuses its token.
struct Propagation {
    let url: String
    let secretKey: String
    let count: Int

    func call(_ method: String, _ path: String, _ body: String = "{}") async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: url + "/v1" + path)!)
        request.httpMethod = method
        request.setValue("Bearer \(secretKey)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            fatalError("\(method) \(path): \(String(decoding: data, as: UTF8.self))")
        }
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func run() async throws -> [String: Any] {
        let user = try await call("POST", "/users", #"{"first_name":"Bench"}"#)["id"] as! String
        var sessions: [(id: String, token: String)] = []
        for _ in 0..<count {
            let session = try await call("POST", "/sessions", #"{"user_id":"\#(user)"}"#)["id"] as! String
            let token = try await call("POST", "/sessions/\(session)/tokens", #"{"expires_in_seconds":3600}"#)["jwt"] as! String
            sessions.append((session, token))
        }
        let sync = VerifierSync(configuration: .init(serverURL: url, secretKey: secretKey))
        let follower = Task { try await sync.run() }
        defer { follower.cancel() }
        guard await sync.waitUntilCurrent(timeout: .seconds(30)) else { fatalError("the verifier did not sync: \(sync.status)") }
        let verifier = sync.verifier(policy: ClaimPolicy())
        let now = { Int64(Date().timeIntervalSince1970) }
        for session in sessions { _ = try verifier.verify(session.token, now: now()) }

        var fromRequest: [Double] = []
        var fromAcknowledgement: [Double] = []
        for session in sessions {
            let start = ContinuousClock.now
            _ = try await call("POST", "/sessions/\(session.id)/revoke")
            let acknowledged = ContinuousClock.now
            // Checks the follower's list (a lookup); the full verify below must then say `revoked`.
            while !sync.revocations.isRevoked(sessionID: session.id, userID: nil, issuedAt: 0) {
                try await Task.sleep(for: .microseconds(100))
                if ContinuousClock.now - start > .seconds(10) { fatalError("not refused after 10 s: \(session.id)") }
            }
            let refused = ContinuousClock.now
            do {
                _ = try verifier.verify(session.token, now: now())
                fatalError("the revoked session's token still verifies")
            } catch {
                precondition(error.code == .revoked, "refused for \(error), not revoked")
            }
            fromRequest.append(milliseconds(refused - start))
            fromAcknowledgement.append(milliseconds(refused - acknowledged))
        }
        let sorted = fromRequest.sorted()
        let acknowledged = fromAcknowledgement.sorted()
        func percentile(_ values: [Double], _ p: Double) -> Double { values[min(values.count - 1, Int(Double(values.count) * p))] }
        print("revocation: \(count) sessions revoked one at a time through POST /v1/sessions/{id}/revoke; a VerifierSync")
        print("following GET /v1/revocations by long poll over loopback; time from sending the revoke until the follower refuses")
        print(padded("propagation", 34) + padded("p50 ms", 10, left: true) + padded("p99 ms", 10, left: true) + padded("max ms", 10, left: true))
        print(padded("  from sending the revoke", 34) + String(format: "%10.2f%10.2f%10.2f   target p99 < 1000 ms (stretch < 100)",
            percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.last!))
        print(padded("  from its acknowledgement", 34) + String(format: "%10.2f%10.2f%10.2f",
            percentile(acknowledged, 0.5), percentile(acknowledged, 0.99), acknowledged.last!))
        return ["op": "propagation", "n": count, "p50_ms": round2(percentile(sorted, 0.5)), "p99_ms": round2(percentile(sorted, 0.99)),
            "max_ms": round2(sorted.last!), "p99_after_ack_ms": round2(percentile(acknowledged, 0.99))]
    }

    func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}

func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }

func padded(_ text: String, _ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return left ? fill + text : text + fill
}

/// What a large revocation set costs a verifier: memory, and verify throughput beside an empty set.
enum RevocationSetCost {
    /// A SplitMix64 stream: reproducible session ids of Tessera's form without the cost of the CSPRNG.
    struct IDs {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func sessionID() -> String {
            let high = String(next(), radix: 16)
            let low = String(next(), radix: 16)
            return "sess_" + String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 16 - low.count) + low
        }
    }

    /// Resident memory of this process. The set's tables are large allocations (mmap'd, returned to
    /// the system when a growing table is replaced), so the growth across building it is the set's size.
    static func residentBytes() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "0 0"
        let pages = Int(statm.split(separator: " ")[1]) ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func run(entries: Int) throws -> ([[String: Any]], Double) {
        let before = residentBytes()
        var snapshot = RevocationSnapshot()
        var ids = IDs()
        for _ in 0..<entries { snapshot.revokeSession(ids.sessionID(), retainUntil: 4_000_000_000_000) }
        let full = RevocationList(snapshot)
        snapshot = RevocationSnapshot()
        let mebibytes = Double(residentBytes() - before) / 1_048_576
        precondition(full.count == entries)

        let keysDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("keys/test").path
        let rsa = try SigningKey(pem: String(contentsOfFile: "\(keysDirectory)/rs256.pem", encoding: .utf8))
        let hmac = try SigningKey(hmacSecret: Array("tessera-benchmark-template-secret-32+".utf8), keyID: "hs")
        let keys = try VerifierKeys([rsa.verificationKey, hmac.verificationKey])
        let now = Int64(Date().timeIntervalSince1970)
        var unrevoked = IDs(state: 42)
        let request = SessionTokenRequest(
            sessionID: unrevoked.sessionID(), userID: "user_2oVdHk8cYt3pN5wXz1LqRb6MfSd", issuer: "https://clerk.tessera.example",
            sessionExpiresAt: now + 86_400)
        let claims = try JWTClaims.sessionToken(request, now: now, tokenID: SecureRandom().tokenID())
        let withSet = SessionVerifier(keys: keys, revocations: full)
        let withoutSet = SessionVerifier(keys: keys, revocations: RevocationList())
        // A revoked id from the set is refused, so the lookup really runs against the 1 M entries.
        var first = IDs()
        let revokedClaims = try JWTClaims.sessionToken(
            SessionTokenRequest(sessionID: first.sessionID(), userID: "u", issuer: "i", sessionExpiresAt: now + 86_400), now: now, tokenID: "t")
        do {
            _ = try withSet.verify(try rsa.mint(revokedClaims), now: now)
            fatalError("a revoked id passed")
        } catch let error as VerificationError { precondition(error.code == .revoked) }

        var rows: [[String: Any]] = []
        print(padded("verify, 1 M-entry set vs empty", 34) + padded("1M /s", 10, left: true) + padded("empty /s", 10, left: true)
            + padded("ratio", 10, left: true))
        for (name, key) in [("RS256", rsa), ("HS256", hmac)] {
            let token = try key.mint(claims)
            var ratios: [Double] = []
            var rates: [(Double, Double)] = []
            for _ in 0..<9 {
                let big = try CPUClock.rate(seconds: 0.15) { _ = try withSet.verify(token, now: now) }
                let empty = try CPUClock.rate(seconds: 0.15) { _ = try withoutSet.verify(token, now: now) }
                ratios.append(big / empty)
                rates.append((big, empty))
            }
            let median = ratios.sorted()[ratios.count / 2]
            let rate = rates.sorted { $0.0 < $1.0 }[rates.count / 2]
            print(padded("  " + name, 34) + String(format: "%10.0f%10.0f%10.3f   target >= 0.95", rate.0, rate.1, median))
            rows.append(["op": name == "RS256" ? "verify.revset_1M_vs_empty" : "verify.revset_1M_vs_empty.HS256", "ratio": (median * 1000).rounded() / 1000])
        }
        print(padded("revocation set of \(entries) sessions", 34) + String(format: "%10.1f MiB   target < 64 MiB (resident growth while building it)", mebibytes))
        withExtendedLifetime(full) {}
        return (rows, (mebibytes * 10).rounded() / 10)
    }
}
