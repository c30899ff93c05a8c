import Testing
import TestFixtures
import SessionCrypto
import SessionTokens

/// Every vector of the Wycheproof signature files for our three primitives must be judged right:
/// `valid` accepted, `invalid` rejected, `acceptable` either way.
@Suite struct WycheproofTests {
    struct Tally: CustomStringConvertible {
        var checked = 0
        var wrong: [String] = []
        var description: String { "\(checked) checked, wrong: \(wrong)" }
    }

    static func run(_ file: String) throws -> Tally {
        let root = try Fixtures.wycheproof(file)
        var tally = Tally()
        for group in try #require(root["testGroups"]?.arrayValue) {
            let pem = try #require(group["publicKeyPem"]?.stringValue)
            let key = try VerificationKey(pem: pem)
            for test in try #require(group["tests"]?.arrayValue) {
                let id = test["tcId"]?.integerValue ?? -1
                let result = test["result"]?.stringValue
                let message = Fixtures.hex(test["msg"]?.stringValue ?? "")
                let signature = Fixtures.hex(test["sig"]?.stringValue ?? "")
                let accepted = key.isValidSignature(signature, for: message)
                tally.checked += 1
                if (result == "valid" && !accepted) || (result == "invalid" && accepted) {
                    tally.wrong.append("tcId \(id) (\(result ?? "?"), \(test["comment"]?.stringValue ?? ""))")
                }
            }
        }
        return tally
    }

    @Test func ecdsaP256P1363() throws {
        let tally = try Self.run("ecdsa_secp256r1_sha256_p1363_test.json")
        #expect(tally.checked == 262)
        #expect(tally.wrong.isEmpty, "\(tally)")
    }

    @Test func ed25519() throws {
        let tally = try Self.run("ed25519_test.json")
        #expect(tally.checked == 151)
        #expect(tally.wrong.isEmpty, "\(tally)")
    }

    @Test func rsaPKCS1v15SHA256() throws {
        let tally = try Self.run("rsa_signature_2048_sha256_test.json")
        #expect(tally.checked == 259)
        #expect(tally.wrong.isEmpty, "\(tally)")
    }

    /// Wycheproof's JWK cases with a `public` key: usable keys load, broken ones (off-curve
    /// points, wrong curves, tiny RSA moduli, e = 1, bad `use`/`alg`) are refused at load time.
    @Test func jwkLoadingRefusesBrokenKeys() throws {
        let root = try Fixtures.wycheproof("json_web_key_test.json")
        var refused = 0
        for group in try #require(root["testGroups"]?.arrayValue) {
            guard let comment = group["comment"]?.stringValue,
                ["keysize_too_small", "exponentOne", "invalid_point", "wrong_curve", "invalid_use", "invalid_algorithm", "wrong_kty"]
                    .contains(comment),
                let object = group["public"]?.objectValue
            else { continue }
            let loaded = (try? JWK(json: object)).flatMap { try? VerificationKey(jwk: $0) }
            #expect(loaded == nil, "\(comment) loaded")
            refused += 1
        }
        #expect(refused >= 5)
    }
}
