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

}
