import ArgumentParser
import SessionCrypto
import SessionTokens

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Signing keys: a tenant's (list, rotate, through the operator API), or key files (generate).",
        subcommands: [List.self, Rotate.self, Generate.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a tenant's signing keys: kid, algorithm, state (pending, active, retired) and schedule.")
        @OptionGroup var server: OperatorOptions
        func run() async throws {
            printJSON(try await server.client().call("GET", "/tenants/\(APIClient.segment(server.tenant))/signing_keys"))
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: """
                Rotate a tenant's signing key on the running server(s): the new key is published at once and signs once \
                every cached JWKS has expired; the old one stays published until its tokens have expired. No restart.
                """)
        @OptionGroup var server: OperatorOptions
        @Option(name: .customLong("import"), help: "Rotate to this private key (PEM file) instead of a new one.")
        var importFile: String?
        func run() async throws {
            var body: JSONObject = [:]
            if let importFile { body["private_key_pem"] = .string(String(decoding: try CLI.read(importFile), as: UTF8.self)) }
            printJSON(try await server.client().call("POST", "/tenants/\(APIClient.segment(server.tenant))/signing_keys/rotate", body: .object(body)))
        }
    }

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
