import Foundation
import Synchronization
import Testing
import TestFixtures
import SessionCrypto

/// Issue 9, fault 6: OpenSSL's default passphrase callback prompts on the terminal, or on stdin
/// when there is none, so an encrypted PEM made the server wait on stdin for ever. Loading one
/// must fail at once with a reason that says what is wrong.
@Suite(.serialized) struct EncryptedKeyTests {
    /// PKCS#8 `ENCRYPTED PRIVATE KEY` and traditional `Proc-Type: 4,ENCRYPTED` (how to make them: keys/README.md).
    static let encrypted = ["es256-encrypted.pem", "rs256-pkcs1-encrypted.pem"]

    @Test(.timeLimit(.minutes(1)))
    func encryptedKeysAreRefusedWithoutPrompting() throws {
        for name in Self.encrypted {
            let pem = try Fixtures.testKey(name)
            let elapsed = try Self.withStdinAnOpenPipe {
                ContinuousClock().measure {
                    let error = #expect(throws: CryptoError.self) { try SigningKey(pem: pem) }
                    #expect(error?.code == .invalidKey && error?.reason.contains("encrypted") == true, "\(name): \(error?.description ?? "no error")")
                    #expect(throws: CryptoError(.invalidKey, "")) { try VerificationKey(pem: pem) }
                }
            }
            // A prompt blocks until the watchdog closes the pipe, ten seconds in.
            #expect(elapsed < .seconds(5), "\(name) took \(elapsed): something prompted for a passphrase")
        }
    }

    /// Runs `body` with stdin replaced by a pipe nobody writes to, as under a supervisor that
    /// keeps stdin open. A watchdog closes the pipe after ten seconds so that a regression fails
    /// instead of hanging the suite.
    static func withStdinAnOpenPipe<T>(_ body: () throws -> T) throws -> T {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw CocoaError(.fileReadUnknown) }
        let savedStdin = dup(STDIN_FILENO)
        dup2(ends[0], STDIN_FILENO)
        let writeEnd = Mutex<Int32?>(ends[1])
        let closeWriteEnd: @Sendable () -> Void = { writeEnd.withLock { if let fd = $0 { close(fd); $0 = nil } } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: closeWriteEnd)
        defer {
            closeWriteEnd()
            dup2(savedStdin, STDIN_FILENO)
            close(savedStdin)
            close(ends[0])
        }
        return try body()
    }
}
