import Foundation
import SessionCrypto
import SessionTokens
import Testing

/// AES-256-GCM sealing under the operator's key-encryption key.
@Suite struct KeyEncryptionKeyTests {
    static let context = Array("ins_a\u{0}jtmp_1\u{0}HS256".utf8)
    static let secret = Array("-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n".utf8)

    @Test func sealedValuesRoundTripAndNameTheirKey() throws {
        let key = try KeyEncryptionKey.generate()
        let sealed = try key.seal(Self.secret, context: Self.context)
        #expect(sealed.hasPrefix("v1:\(key.id):"))
        #expect(SealedValue(sealed)?.keyID == key.id)
        #expect(!sealed.contains("BEGIN") && !sealed.contains("not really"))
        #expect(try key.open(sealed, context: Self.context) == Self.secret)
        // A fresh nonce each time: the same secret never seals to the same text.
        #expect(try key.seal(Self.secret, context: Self.context) != sealed)
        #expect(try key.open(key.seal([], context: Self.context), context: Self.context) == [])
    }

    @Test func aWrongKeyIsRefused() throws {
        let key = try KeyEncryptionKey.generate()
        let other = try KeyEncryptionKey.generate()
        let sealed = try key.seal(Self.secret, context: Self.context)
        #expect(throws: CryptoError(.unknownKeyEncryptionKey, "")) { try other.open(sealed, context: Self.context) }
        // Even with the id forged to the other key's, the tag does not verify.
        let forged = sealed.replacingOccurrences(of: key.id, with: other.id)
        #expect(throws: CryptoError(.decryptionFailed, "")) { try other.open(forged, context: Self.context) }
    }

    @Test func tamperedValuesAreRefused() throws {
        let key = try KeyEncryptionKey.generate()
        let sealed = try key.seal(Self.secret, context: Self.context)
        let parts = sealed.split(separator: ":").map(String.init)
        var ciphertext = try #require(Base64URL.decode(parts[3]))
        ciphertext[0] ^= 0x01
        let tampered = [parts[0], parts[1], parts[2], Base64URL.encode(ciphertext)].joined(separator: ":")
        #expect(throws: CryptoError(.decryptionFailed, "")) { try key.open(tampered, context: Self.context) }
        var nonce = try #require(Base64URL.decode(parts[2]))
        nonce[11] ^= 0x80
        let otherNonce = [parts[0], parts[1], Base64URL.encode(nonce), parts[3]].joined(separator: ":")
        #expect(throws: CryptoError(.decryptionFailed, "")) { try key.open(otherNonce, context: Self.context) }
        #expect(throws: CryptoError(.decryptionFailed, "")) { try key.open(String(sealed.dropLast(4)), context: Self.context) }
        #expect(throws: CryptoError(.decryptionFailed, "")) { try key.open("a clear-text secret", context: Self.context) }
    }

    @Test func theContextIsBound() throws {
        let key = try KeyEncryptionKey.generate()
        let sealed = try key.seal(Self.secret, context: Self.context)
        #expect(throws: CryptoError(.decryptionFailed, "")) { try key.open(sealed, context: Array("ins_a\u{0}jtmp_2\u{0}HS256".utf8)) }
        #expect(throws: CryptoError(.decryptionFailed, "")) { try key.open(sealed, context: []) }
    }

    @Test func theTextFormIsBase64Of32BytesAndNeverPrinted() throws {
        let bytes = [UInt8](repeating: 7, count: 32)
        let key = try KeyEncryptionKey(base64: " \(Data(bytes).base64EncodedString())\n")
        #expect(key.id == (try KeyEncryptionKey(bytes: bytes)).id && key.id.count == 16)
        #expect(throws: CryptoError(.invalidKey, "")) { try KeyEncryptionKey(base64: Data(bytes.dropLast()).base64EncodedString()) }
        #expect(throws: CryptoError(.invalidKey, "")) { try KeyEncryptionKey(base64: String(repeating: "07", count: 32)) }
        #expect("\(key)" == "KeyEncryptionKey(\(key.id), redacted)")
        #expect(!"\(KeyEncryptionKeys(current: key))".contains(Data(bytes).base64EncodedString()))
    }

    @Test func generatedFilesAreBase64AndPrivate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kek-\(UInt64.random(in: 0...UInt64.max)).b64").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let key = try KeyEncryptionKey.generateFile(at: path)
        #expect(try KeyEncryptionKey(contentsOfFile: path).id == key.id)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o600)
        #expect(throws: CryptoError(.keyStorage, "")) { try KeyEncryptionKey.generateFile(at: path) }
    }

    @Test func aRotationOpensWithEitherKeyAndSealsWithTheCurrent() throws {
        let old = try KeyEncryptionKey.generate()
        let new = try KeyEncryptionKey.generate()
        let keys = KeyEncryptionKeys(current: new, previous: old)
        let sealedOld = try old.seal(Self.secret, context: Self.context)
        #expect(try keys.open(sealedOld, context: Self.context) == Self.secret)
        #expect(SealedValue(try keys.seal(Self.secret, context: Self.context))?.keyID == new.id)
        #expect(throws: CryptoError(.unknownKeyEncryptionKey, "")) {
            try KeyEncryptionKeys(current: new).open(sealedOld, context: Self.context)
        }
    }
}
