import Testing
import TestFixtures
import SessionCrypto
import SessionTokens

/// Known answers from RFC 7515 A.2/A.3, RFC 8037 A.4 and RFC 7520 4.1.
@Suite struct RFCVectorTests {
    static let payload7515 = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

    static func verify(_ jwk: JWK, input: String, signature: String) throws -> Bool {
        let key = try VerificationKey(jwk: jwk)
        return key.isValidSignature(try #require(Base64URL.decode(signature)), for: Array(input.utf8))
    }

    @Test func rfc7515A2RS256() throws {
        var jwk = JWK(keyType: .rsa)
        jwk.n = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
        jwk.e = "AQAB"
        let signature = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
        let input = "eyJhbGciOiJSUzI1NiJ9." + Self.payload7515
        #expect(try Self.verify(jwk, input: input, signature: signature))
        #expect(try !Self.verify(jwk, input: input + "x", signature: signature))
    }

    @Test func rfc7515A3ES256() throws {
        var jwk = JWK(keyType: .ec)
        jwk.curve = "P-256"
        jwk.x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
        jwk.y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
        let signature = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
        let input = "eyJhbGciOiJFUzI1NiJ9." + Self.payload7515
        #expect(try Self.verify(jwk, input: input, signature: signature))
        // ECDSA is randomised: signing with the RFC's d gives another signature that must also verify.
        jwk.d = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
        let signer = try SigningKey(jwk: jwk)
        let fresh = try Array(input.utf8).withUnsafeBytes { try signer.sign($0) }
        #expect(fresh.count == 64)
        #expect(signer.verificationKey.isValidSignature(fresh, for: Array(input.utf8)))
    }

    @Test func rfc8037A4EdDSA() throws {
        var jwk = JWK(keyType: .okp)
        jwk.curve = "Ed25519"
        jwk.x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        jwk.d = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
        let input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
        let expected = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        // Ed25519 is deterministic: the RFC's private key must reproduce the RFC's signature exactly.
        let signer = try SigningKey(jwk: jwk)
        #expect(Base64URL.encode(try Array(input.utf8).withUnsafeBytes { try signer.sign($0) }) == expected)
        #expect(try Self.verify(jwk.publicKey, input: input, signature: expected))
        // RFC 8037 A.3: the thumbprint of this key.
        #expect(try Thumbprint.of(jwk.publicKey) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
    }

    @Test func rfc7520Section4_1RS256() throws {
        let vectors = try Fixtures.wycheproof("json_web_signature_test.json")
        let group = try #require(vectors["testGroups"]?.arrayValue?.first { $0["tests"]?.arrayValue?.first?["tcId"]?.integerValue == 345 })
        let privateJWK = try JWK(json: try #require(group["private"]?.objectValue))
        let token = try #require(group["tests"]?.arrayValue?.first?["jws"]?.stringValue)
        let parts = token.split(separator: ".")
        let input = "\(parts[0]).\(parts[1])"
        #expect(try Self.verify(privateJWK.publicKey, input: input, signature: String(parts[2])))
        // PKCS#1 v1.5 is deterministic: signing with the RFC 7520 key reproduces Figure 13 exactly.
        let signer = try SigningKey(jwk: privateJWK)
        #expect(Base64URL.encode(try Array(input.utf8).withUnsafeBytes { try signer.sign($0) }) == String(parts[2]))
    }

    @Test func rfc7638Thumbprint() throws {
        var jwk = JWK(keyType: .rsa)
        jwk.n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        jwk.e = "AQAB"
        jwk.algorithm = "RS256"
        jwk.keyID = "2011-04-29"
        #expect(try Thumbprint.of(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }
}
