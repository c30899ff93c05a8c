import Foundation
public import SessionTokens

/// A directory of PEM keys, the on-disk form of a `KeyRing`.
///
/// `rs256.pem`, `es256.pem` and `eddsa.pem` are the active keys for their algorithms; every other
/// `*.pem` file is a retired key, still published in the JWKS so that tokens it signed verify
/// until they expire. Private key files are written with mode 0600 in a 0700 directory.
public struct KeyDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public static func fileName(for algorithm: JWSAlgorithm) -> String {
        switch algorithm {
        case .rs256: "rs256.pem"
        case .es256: "es256.pem"
        case .edDSA: "eddsa.pem"
        case .hs256: "hs256.pem"
        }
    }

    /// Loads every key. Throws when the directory is missing, holds no active key, or a file does
    /// not parse (a key that silently fails to load is a key that silently stops being published).
    public func load(defaultAlgorithm: JWSAlgorithm? = nil) throws(CryptoError) -> KeyRing {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".pem") }.sorted()
        } catch {
            throw CryptoError(.keyStorage, "cannot read key directory \(path): \(error.localizedDescription)")
        }
        let activeNames = Set([JWSAlgorithm.rs256, .es256, .edDSA].map(Self.fileName))
        var active: [SigningKey] = []
        var retired: [VerificationKey] = []
        for name in names {
            let pem = try read(name)
            do throws(CryptoError) {
                if activeNames.contains(name) {
                    let key = try SigningKey(pem: pem)
                    guard Self.fileName(for: key.algorithm) == name else {
                        throw CryptoError(.invalidKey, "holds a \(key.algorithm) key")
                    }
                    active.append(key)
                } else {
                    retired.append(try VerificationKey(pem: pem))
                }
            } catch {
                throw CryptoError(error.code, "\(path)/\(name): \(error.reason)")
            }
        }
        return try KeyRing(signingKeys: active, retired: retired, defaultAlgorithm: defaultAlgorithm)
    }

    /// The algorithms with an active key file: RS256, ES256 and EdDSA.
    public static let activeAlgorithms: [JWSAlgorithm] = [.rs256, .es256, .edDSA]

    /// Makes a development key set in a directory that holds no key at all (or does not exist):
    /// one fresh active key per algorithm; returns them. A complete directory is left alone. A
    /// directory with some keys but not every active one is refused, naming what is missing: a
    /// mounted production directory that lost a file must not be quietly completed with keys that
    /// no verifier has seen.
    public func generateDevelopmentKeysIfEmpty(now: Int64) throws(CryptoError) -> [SigningKey] {
        let missing = Self.activeAlgorithms.filter { !hasKey(for: $0) }
        guard !missing.isEmpty else { return [] }
        let present = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".pem") }.sorted()
        guard present.isEmpty else {
            let names = missing.map(Self.fileName)
            throw CryptoError(
                .keyStorage,
                "key directory \(path) holds \(present.joined(separator: ", ")) but not \(names.joined(separator: ", ")). "
                    + "Generate the missing key(s) with "
                    + missing.map { "`sessionctl keys generate --alg \($0.rawValue) --out \(path)`" }.joined(separator: " and ")
                    + ", or empty the directory to have a fresh development set generated")
        }
        var generated: [SigningKey] = []
        for algorithm in Self.activeAlgorithms { generated.append(try generate(algorithm, now: now)) }
        return generated
    }

    /// Whether the active key for `algorithm` exists.
    public func hasKey(for algorithm: JWSAlgorithm) -> Bool {
        FileManager.default.fileExists(atPath: "\(path)/\(Self.fileName(for: algorithm))")
    }

    /// Generates a fresh active key for `algorithm`. With `rotate`, an existing active key is kept
    /// as a retired one (still published); without it, an existing key is an error.
    @discardableResult
    public func generate(_ algorithm: JWSAlgorithm, rotate: Bool = false, now: Int64) throws(CryptoError) -> SigningKey {
        guard algorithm.isAsymmetric else { throw CryptoError(.unsupportedAlgorithm, "HS256 keys belong to templates, not key files") }
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CryptoError(.keyStorage, "cannot create \(path): \(error.localizedDescription)")
        }
        let target = "\(path)/\(Self.fileName(for: algorithm))"
        if manager.fileExists(atPath: target) {
            guard rotate else { throw CryptoError(.keyStorage, "\(target) exists; pass --rotate to retire it and make a new one") }
            let retiredName = "\(path)/\(Self.fileName(for: algorithm).dropLast(4))-retired-\(now).pem"
            do { try manager.moveItem(atPath: target, toPath: retiredName) } catch {
                throw CryptoError(.keyStorage, "cannot retire \(target): \(error.localizedDescription)")
            }
        }
        let key = try SigningKey.generate(algorithm)
        let pem = try key.privateKeyPEM()
        guard manager.createFile(atPath: target, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CryptoError(.keyStorage, "cannot write \(target)")
        }
        return key
    }

    private func read(_ name: String) throws(CryptoError) -> String {
        guard let data = FileManager.default.contents(atPath: "\(path)/\(name)") else {
            throw CryptoError(.keyStorage, "cannot read \(path)/\(name)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
