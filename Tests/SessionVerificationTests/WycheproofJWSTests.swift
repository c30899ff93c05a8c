import Testing
import TestFixtures
import SessionCrypto
import SessionTokens
import SessionVerification

/// Wycheproof's JWS vectors for the algorithms Tessera verifies (RS256, ES256, HS256), judged by
/// `verifySignature` with the group's key trusted. tcIds 357, 367, 370 (contradictory labels
/// upstream) and 372, 373 (labelled valid, fail strict checks) are not scored, per SOURCES.md;
/// nor are JSON-serialised cases, which are not compact tokens.
@Suite struct WycheproofJWSTests {
    static let unscored: Set<Int64> = [357, 367, 370, 372, 373]

    @Test func compactJWSVectorsAreJudgedRight() throws {
        let root = try Fixtures.wycheproof("json_web_signature_test.json")
        var scored = 0
        var wrong: [String] = []
        for group in try #require(root["testGroups"]?.arrayValue) {
            guard let keyObject = group["public"]?.objectValue ?? group["private"]?.objectValue,
                let algorithm = keyObject["alg"]?.stringValue, ["RS256", "ES256", "HS256"].contains(algorithm),
                let jwk = try? JWK(json: keyObject), let key = try? VerificationKey(jwk: jwk)
            else { continue }
            let verifier = SessionVerifier(keys: .trusting(key))
            for test in try #require(group["tests"]?.arrayValue) {
                let id = test["tcId"]?.integerValue ?? -1
                guard !Self.unscored.contains(id), let jws = test["jws"]?.stringValue else { continue }
                let accepted = (try? verifier.verifySignature(jws)) != nil
                scored += 1
                if accepted != (test["result"]?.stringValue == "valid") {
                    wrong.append("tcId \(id) \(test["result"]?.stringValue ?? "") \(test["comment"]?.stringValue ?? "")")
                }
            }
        }
        #expect(scored > 250)
        #expect(wrong.isEmpty, "\(wrong)")
    }
}
