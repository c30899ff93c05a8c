import Foundation
import Testing
import TestFixtures
import SessionCrypto
import SessionTokens

@Suite struct KeyTests {
    @Test(arguments: [("rs256.pem", JWSAlgorithm.rs256, 256), ("es256.pem", .es256, 64), ("eddsa.pem", .edDSA, 64)])
    func signsAndVerifiesEachAlgorithm(_ file: String, _ algorithm: JWSAlgorithm, _ length: Int) throws {
        let key = try SigningKey(pem: Fixtures.testKey(file))
        #expect(key.algorithm == algorithm && key.signatureLength == length)
        let message = Array("header.payload".utf8)
        let signature = try message.withUnsafeBytes { try key.sign($0) }
        #expect(signature.count == length)
        #expect(key.verificationKey.isValidSignature(signature, for: message))
        var tampered = signature
        tampered[length / 2] ^= 0x01
        #expect(!key.verificationKey.isValidSignature(tampered, for: message))
        #expect(!key.verificationKey.isValidSignature(signature, for: message + [0x2E]))
        #expect(!key.verificationKey.isValidSignature(Array(signature.dropLast()), for: message))
    }

    @Test func signsConcurrentlyFromManyTasks() async throws {
        let key = try SigningKey(pem: Fixtures.testKey("es256.pem"))
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let message = Array("message \(index)".utf8)
                    guard let signature = try? message.withUnsafeBytes({ try key.sign($0) }) else { return false }
                    return key.verificationKey.isValidSignature(signature, for: message)
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64 && results.allSatisfy { $0 })
    }

    @Test func es256SignaturesAreRawNeverDER() throws {
        let key = try SigningKey(pem: Fixtures.testKey("es256.pem"))
        for _ in 0..<50 {
            let signature = try [UInt8](repeating: 7, count: 10).withUnsafeBytes { try key.sign($0) }
            #expect(signature.count == 64)
        }
    }

    @Test func es256RefusesDERAndZeroScalars() throws {
        let key = try SigningKey(pem: Fixtures.testKey("es256.pem"))
        let message = Array("m".utf8)
        let raw = try message.withUnsafeBytes { try key.sign($0) }
        // The same signature DER-encoded (SEQUENCE of two INTEGERs) must be refused.
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var value = Array(bytes.drop { $0 == 0 })
            if value.first.map({ $0 & 0x80 != 0 }) ?? true { value.insert(0, at: 0) }
            return [0x02, UInt8(value.count)] + value
        }
        let body = integer(raw[0..<32]) + integer(raw[32..<64])
        #expect(!key.verificationKey.isValidSignature([0x30, UInt8(body.count)] + body, for: message))
        #expect(!key.verificationKey.isValidSignature([UInt8](repeating: 0, count: 64), for: message))
        #expect(!key.verificationKey.isValidSignature(Array(raw[0..<32]) + [UInt8](repeating: 0, count: 32), for: message))
    }

    @Test func loadsEveryPEMFormAndAgreesOnTheKid() throws {
        let pkcs8 = try SigningKey(pem: Fixtures.testKey("rs256.pem"))
        let pkcs1 = try SigningKey(pem: Fixtures.testKey("rs256-pkcs1.pem"))
        let spki = try VerificationKey(pem: Fixtures.testKey("rs256-public.pem"))
        let pkcs1Public = try VerificationKey(pem: Fixtures.testKey("rs256-pkcs1-public.pem"))
        #expect(Set([pkcs8.keyID, pkcs1.keyID, spki.keyID, pkcs1Public.keyID]).count == 1)
        #expect(pkcs8.keyID == (try Thumbprint.of(try #require(spki.publicJWK))))
    }

    @Test func refusesWeakOrForeignKeys() throws {
        #expect(throws: CryptoError(.invalidKey, "")) { try SigningKey(pem: Fixtures.testKey("rsa1024.pem")) }
        #expect(throws: CryptoError(.invalidKey, "")) { try SigningKey(pem: Fixtures.testKey("p384.pem")) }
        #expect(throws: CryptoError(.invalidKey, "")) { try SigningKey(pem: Fixtures.testKey("rs256-public.pem")) }
        #expect(throws: CryptoError(.invalidKey, "")) { try SigningKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
        #expect(throws: CryptoError(.invalidKey, "")) { try SigningKey(hmacSecret: Array(repeating: 1, count: 31), keyID: nil) }
    }

    /// OpenSSL imports an RSA key with e = 1 or an even e without complaint; with e = 1 a
    /// "signature" is its own message, so the exponent check is all that stops forged tokens.
    /// The same modulus with e = 65537 or e = 3 is accepted, so a refusal here is the exponent's.
    @Test(arguments: ["AQ", "AAE", "Ag", "AQAA"])
    func refusesRSAExponentsThatAreOneOrEven(_ exponent: String) throws {
        var jwk = try #require(try SigningKey(pem: Fixtures.testKey("rs256.pem")).verificationKey.publicJWK)
        jwk.keyID = "forged"
        for allowed in ["AQAB", "Aw"] {
            jwk.e = allowed
            #expect(try VerificationKey(jwk: jwk).keyID == "forged")
        }
        jwk.e = exponent
        #expect(throws: CryptoError(.invalidKey, "")) { try VerificationKey(jwk: jwk) }
    }

    /// Every algorithm refuses a valid signature with bytes appended or cut off (for HS256 the
    /// length check is the only thing that does: the MAC comparison reads 32 bytes), or with its
    /// last byte changed (the whole MAC is compared, not a prefix).
    @Test func signaturesOfTheWrongLengthAreRefused() throws {
        let keys = try ["rs256.pem", "es256.pem", "eddsa.pem"].map { try SigningKey(pem: Fixtures.testKey($0)) }
            + [SigningKey(hmacSecret: Array(repeating: 0x5A, count: 32), keyID: "hs")]
        let message = Array("header.payload".utf8)
        for key in keys {
            let signature = try message.withUnsafeBytes { try key.sign($0) }
            #expect(key.verificationKey.isValidSignature(signature, for: message), "\(key.algorithm)")
            #expect(!key.verificationKey.isValidSignature(signature + [0x00], for: message), "\(key.algorithm) with a byte appended")
            #expect(!key.verificationKey.isValidSignature(signature + signature, for: message), "\(key.algorithm) twice over")
            #expect(!key.verificationKey.isValidSignature(Array(signature.dropLast()), for: message), "\(key.algorithm) cut short")
            var lastChanged = signature
            lastChanged[lastChanged.count - 1] ^= 0x01
            #expect(!key.verificationKey.isValidSignature(lastChanged, for: message), "\(key.algorithm) with its last byte changed")
        }
    }

    @Test func jwkRoundTripsAndPinsTheAlgorithm() throws {
        for file in ["rs256.pem", "es256.pem", "eddsa.pem"] {
            let key = try SigningKey(pem: Fixtures.testKey(file))
            let jwk = try #require(key.verificationKey.publicJWK)
            #expect(jwk.keyID == key.keyID && jwk.use == "sig" && jwk.algorithm == key.algorithm.rawValue && !jwk.isPrivate)
            let reparsed = try JWK.parse(JSONWriter.serialize(.object(jwk.jsonObject)))
            #expect(try VerificationKey(jwk: reparsed).keyID == key.keyID)
        }
        var mislabelled = try #require(try SigningKey(pem: Fixtures.testKey("es256.pem")).verificationKey.publicJWK)
        mislabelled.algorithm = "RS256"
        #expect(throws: CryptoError(.invalidKey, "")) { try VerificationKey(jwk: mislabelled) }
    }

    @Test func privateMaterialIsNeverPrinted() throws {
        let key = try SigningKey(pem: Fixtures.testKey("rs256.pem"))
        let pem = try key.privateKeyPEM()
        #expect(!"\(key)".contains("PRIVATE") && "\(key)".contains("RS256"))
        #expect(!String(reflecting: key).contains(String(pem.split(separator: "\n")[1].prefix(20))))
        let template = JWTTemplate.CustomSigningKey(algorithm: .hs256, material: "super-secret-value-that-is-long-enough")
        #expect(!"\(template)".contains("super-secret"))
    }

    @Test func keyDirectoryGeneratesRotatesAndPublishesRetiredKeys() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-keys-\(UInt64.random(in: 0...UInt64.max))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = KeyDirectory(path: directory)
        let first = try keys.generate(.es256, now: 1)
        try keys.generate(.rs256, now: 1)
        #expect(throws: CryptoError(.keyStorage, "")) { try keys.generate(.es256, now: 2) }
        let second = try keys.generate(.es256, rotate: true, now: 2)
        let ring = try keys.load()
        #expect(ring.defaultAlgorithm == .rs256)
        #expect(ring.signingKey(for: .es256)?.keyID == second.keyID)
        #expect(ring.verificationKey(keyID: try #require(first.keyID)) != nil)
        #expect(ring.jwks.keys.count == 3)
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(directory)/es256.pem")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func randomSourceMakesDistinctTokenIDs() throws {
        let random = SecureRandom()
        let ids = try (0..<100).map { _ in try random.tokenID() }
        #expect(Set(ids).count == 100 && ids.allSatisfy { $0.count == 20 })
    }
}

/// A key directory is filled only when it holds no key; one with some active keys missing is refused.
@Suite struct KeyDirectoryFillingTests {
    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UInt64.random(in: 0...UInt64.max))").path
    }

    @Test func anEmptyOrMissingDirectoryGetsADevelopmentSetOnce() throws {
        let path = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = KeyDirectory(path: path)
        #expect(try directory.generateDevelopmentKeysIfEmpty(now: 1).map(\.algorithm) == [.rs256, .es256, .edDSA])
        #expect(try directory.generateDevelopmentKeysIfEmpty(now: 2).isEmpty)
        #expect(try directory.load().jwks.keys.count == 3)
    }

    @Test func aPartlyFilledDirectoryIsRefusedNotCompleted() throws {
        let path = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = KeyDirectory(path: path)
        try directory.generate(.es256, now: 1)
        do {
            _ = try directory.generateDevelopmentKeysIfEmpty(now: 2)
            Issue.record("a partly filled directory was accepted")
        } catch {
            #expect(error.code == .keyStorage)
            #expect(error.reason.contains("rs256.pem") && error.reason.contains("eddsa.pem") && error.reason.contains("sessionctl keys generate"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: path) == ["es256.pem"])
    }
}
