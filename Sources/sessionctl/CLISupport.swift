import ArgumentParser
import Foundation
import SessionCrypto
import SessionTokens

/// Shared plumbing for the subcommands: files, time, and failing with a clear message.
enum CLI {
    static func read(_ path: String) throws -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read \(path)") }
        return Array(data)
    }

    static func readJSONObject(_ path: String) throws -> JSONObject {
        do { return try JSONParser.parseObject(read(path)) } catch let error as TokenError {
            throw fail("\(path): \(error.reason)")
        }
    }

    static func now(_ override: Int64?) -> Int64 { override ?? Int64(Date().timeIntervalSince1970) }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Prints `message` to stderr and returns an exit code 1 error.
    static func fail(_ message: String) -> ExitCode {
        printError("sessionctl: \(message)")
        return ExitCode(1)
    }

    static func algorithm(_ name: String) throws -> JWSAlgorithm {
        guard let algorithm = JWSAlgorithm(name: name), algorithm.isAsymmetric else {
            throw ValidationError("--alg must be RS256, ES256 or EdDSA")
        }
        return algorithm
    }

    static func loadKeys(_ directory: String) throws -> KeyRing {
        do throws(CryptoError) { return try KeyDirectory(path: directory).load() } catch {
            throw fail(error.reason)
        }
    }
}
