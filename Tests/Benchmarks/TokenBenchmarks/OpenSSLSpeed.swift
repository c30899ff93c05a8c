import Foundation

/// The ceiling: `openssl speed` for the same primitive, run in the same process tree and round,
/// so machine noise hits both sides alike. `-mr` output is parsed: `+F2` (RSA), `+F4` (ECDSA),
/// `+F6` (EdDSA) carry sign/s and verify/s; `+F` carries HMAC bytes/s.
enum OpenSSLSpeed {
    struct Rates { var sign: Double; var verify: Double }

    static func run(_ arguments: [String]) throws -> String {
        try start(arguments).finish()
    }

    /// A running `openssl speed`; `finish()` waits for it and returns its output.
    struct Running {
        let process: Process
        let pipe: Pipe

        func finish() -> String {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func start(_ arguments: [String]) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "speed", "-mr"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        return Running(process: process, pipe: pipe)
    }

    static func parseSignVerify(_ output: String, tag: String) throws -> Rates {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("+\(tag):") }) else {
            throw BenchError("no +\(tag) line from openssl speed")
        }
        let fields = line.split(separator: ":")
        guard fields.count >= 2, let sign = Double(fields[fields.count - 2]), let verify = Double(fields[fields.count - 1]) else {
            throw BenchError("cannot parse \(line)")
        }
        return Rates(sign: sign, verify: verify)
    }

    static func parseHMAC(_ output: String, bytes: Int) throws -> Double {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("+F:") }),
            let rate = line.split(separator: ":").last.flatMap({ Double($0) })
        else { throw BenchError("cannot parse openssl speed -hmac output") }
        return rate / Double(bytes)
    }

    static func signVerify(_ algorithm: String, tag: String, seconds: Int) throws -> Rates {
        let output = try run(["-seconds", "\(seconds)", algorithm])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("+\(tag):") }) else {
            throw BenchError("no +\(tag) line from openssl speed \(algorithm)")
        }
        let fields = line.split(separator: ":")
        guard fields.count >= 2, let sign = Double(fields[fields.count - 2]), let verify = Double(fields[fields.count - 1]) else {
            throw BenchError("cannot parse \(line)")
        }
        return Rates(sign: sign, verify: verify)
    }

    /// HMAC-SHA256 operations per second over `bytes`-byte inputs.
    static func hmac(bytes: Int, seconds: Int) throws -> Double {
        let output = try run(["-seconds", "\(seconds)", "-bytes", "\(bytes)", "-hmac", "sha256"])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("+F:") }),
            let rate = line.split(separator: ":").last.flatMap({ Double($0) })
        else { throw BenchError("cannot parse openssl speed -hmac output") }
        return rate / Double(bytes)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
