import ArgumentParser
import SessionCrypto
import SessionTokens

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage signing keys.", subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a signing key (PKCS#8 PEM, mode 0600) into a key directory.")

        @Option(help: "RS256 (RSA 2048), ES256 (P-256) or EdDSA (Ed25519).")
        var alg: String = "RS256"

        @Option(help: "The key directory.")
        var out: String

        @Flag(help: "Keep an existing key as a retired (still published) key instead of refusing.")
        var rotate = false

        func run() throws {
            let algorithm = try CLI.algorithm(alg)
            do throws(CryptoError) {
                let key = try KeyDirectory(path: out).generate(algorithm, rotate: rotate, now: CLI.now(nil))
                print("\(out)/\(KeyDirectory.fileName(for: algorithm)) \(algorithm) kid=\(key.keyID ?? "-")")
            } catch {
                throw CLI.fail(error.reason)
            }
        }
    }
}

struct JWKSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jwks", abstract: "Print the JWKS of a key directory.")

    @Option(help: "The key directory.")
    var keys: String

    func run() throws {
        let ring = try CLI.loadKeys(keys)
        print(JSONWriter.prettyString(.object(ring.jwks.jsonObject), sortKeys: false))
    }
}
