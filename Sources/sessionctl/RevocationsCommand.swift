import ArgumentParser
import Foundation
import SessionTokens
import SessionVerification

/// The revocation feed from the command line: what a verifier sees, and the key it should use.
struct RevocationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revocations", abstract: "The revocation feed of a running server.",
        subcommands: [List.self, Follow.self, VerifierKey.self, Await.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one page of the feed after a cursor.")
        @OptionGroup var server: ServerOptions
        @Option(help: "The cursor: entries with a higher sequence.") var after: Int64 = 0
        @Option(help: "At most this many (1…10000).") var limit = 1000
        func run() async throws {
            printJSON(try await server.client().call("GET", "/revocations?after=\(after)&limit=\(limit)"))
        }
    }

    struct Follow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow the feed by long poll and print each entry as one JSON line, until interrupted.",
            discussion: "The loop any verifier runs: page until empty, then long-poll with the last cursor.")
        @OptionGroup var server: ServerOptions
        @Option(help: "Start after this sequence.") var after: Int64 = 0
        @Option(help: "Long-poll seconds (1…60).") var wait = 25
        func run() async throws {
            let client = try server.client()
            var cursor = after
            var caughtUp = false
            while true {
                let answer = try await client.call("GET", "/revocations?after=\(cursor)&wait=\(caughtUp ? wait : 0)")
                let page = try RevocationFeedCodec.decode(JSONWriter.serialize(answer))
                if page.snapshot { print(#"{"snapshot":true}"#) }
                for entry in page.entries { print(String(decoding: JSONWriter.serialize(RevocationFeedCodec.json(entry)), as: UTF8.self)) }
                cursor = page.cursor
                caughtUp = page.entries.count < 1000
            }
        }
    }

    struct VerifierKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verifier-key",
            abstract: "Create a verifier key (vk_…): it can read the feed and the JWKS and nothing else. Shown once.")
        @OptionGroup var server: ServerOptions
        func run() async throws {
            print(try await server.client().call("POST", "/verifier_keys")["key"]?.stringValue ?? "")
        }
    }

    struct Await: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "await",
            abstract: "Follow the server as a networkless verifier (VerifierSync) until TOKEN is refused; print how long that took.",
            discussion: "Exit 0 once refused (revoked, expired, ...), 1 on timeout. The token must verify when the follower starts.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "A session token of this server.") var token: String
        @Option(help: "Give up after this many seconds.") var timeout = 30

        func run() async throws {
            let client = try server.client()
            let sync = VerifierSync(configuration: .init(serverURL: client.baseURL, secretKey: client.secretKey))
            let follower = Task { try await sync.run() }
            defer { follower.cancel() }
            guard await sync.waitUntilCurrent(timeout: .seconds(10)) else { throw CLI.fail("could not sync: \(sync.status.lastError ?? "timeout")") }
            let verifier = sync.verifier(policy: ClaimPolicy())
            let now = { Int64(Date().timeIntervalSince1970) }
            do { _ = try verifier.verify(token, now: now()) } catch { throw CLI.fail("the token is already refused: \(error)") }
            let ready = "following \(client.baseURL): keys \(sync.status.keyIDs.count), revocations \(sync.status.revocationCount); the token verifies\n"
            FileHandle.standardOutput.write(Data(ready.utf8))
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .seconds(timeout) {
                do { _ = try verifier.verify(token, now: now()) } catch {
                    let elapsed = ContinuousClock.now - start
                    print("refused after \(elapsed): \(error.code)")
                    return
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            throw CLI.fail("still valid after \(timeout) s")
        }
    }
}
