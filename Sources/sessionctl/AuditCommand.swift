import ArgumentParser
import SessionStorage
import SessionTokens

/// `sessionctl audit verify|list`: a tenant's hash-chained audit log, from the database file or the
/// admin API (`AuditSource`), checked with the same `AuditChain.verify` the store's tests use.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "A tenant's audit log: check its hash chain, or print it.", subcommands: [Verify.self, List.self])

    /// Reads the events, or exits 2 with the reason: a log that cannot be read is not a broken chain.
    static func read(_ source: AuditSource) async throws -> [AuditEvent] {
        do { return try await source.events() } catch {
            if let message = error.message { CLI.printError("sessionctl: \(message)") }
            throw ExitCode(2)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the tenant's audit chain: every event hashes to its stored hash and links to the one before.",
            discussion: """
                Prints "audit chain intact: N events, head <hash>" and exits 0, or names the first altered, missing or \
                reordered event and exits 1; exits 2 when the log cannot be read. Keep the head hash somewhere else: \
                events cut off the end of the log are only found by comparing it.
                """)
        @OptionGroup var source: AuditSource

        func run() async throws {
            let verdict = AuditChain.verify(try await AuditCommand.read(source))
            print(verdict)
            if case .broken = verdict { throw ExitCode(1) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the tenant's audit events, oldest first: one JSON object a line, or a table.")
        @OptionGroup var source: AuditSource
        @Option(help: "Only events of this type (auth.session_revoked, user.created, …).") var type: String?
        @Flag(help: "A table (seq, time, type, actor, user, session) instead of JSON lines.") var table = false

        func run() async throws {
            let events = try await AuditCommand.read(source).filter { type == nil || $0.type == type }
            if !table {
                for event in events { print(JSONWriter.string(event.json)) }
                return
            }
            let rows = [["SEQ", "OCCURRED AT", "TYPE", "ACTOR", "USER", "SESSION"]] + events.map { event in
                [
                    String(event.sequence), AuditTimestamp.string(event.occurredAt), event.type, "\(event.actor.type.rawValue):\(event.actor.id)",
                    event.userID ?? "-", event.sessionID ?? "-",
                ]
            }
            let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                // The last column is not padded: no trailing spaces.
                print((zip(row.dropLast(), widths).map { $0 + String(repeating: " ", count: $1 - $0.count) } + [row[5]]).joined(separator: "  "))
            }
        }
    }
}
