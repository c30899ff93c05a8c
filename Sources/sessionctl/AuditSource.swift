import ArgumentParser
import SessionStorage
import SessionStorageSQLite
import SessionTokens

/// Where `sessionctl audit` reads a tenant's log: the database file itself (read-only), or a running
/// server's admin API. Both give the events exactly as stored, so the same check applies to either.
struct AuditSource: ParsableArguments {
    @Option(help: "Read this SQLite database file (read-only; a server may be running on it).")
    var database: String?

    @Option(help: "Read through this server's admin API instead (TESSERA_URL).")
    var url: String?

    @Option(help: "The tenant's slug.")
    var tenant = "default"

    @Option(name: .customLong("secret-key"), help: "A secret key of the tenant, for --url (TESSERA_SECRET_KEY).")
    var secretKey: String?

    func validate() throws {
        if database != nil, url != nil { throw ValidationError("give --database or --url, not both") }
    }

    /// Why the log could not be read: the commands exit 2 on it, apart from a broken chain's 1.
    /// `nil` when the message is out already (APIClient prints the server's answer itself).
    struct Failure: Error {
        let message: String?
        init(_ message: String?) { self.message = message }
    }

    /// Every event of the tenant, oldest first.
    func events() async throws(Failure) -> [AuditEvent] {
        if let database {
            do { return try SQLiteSessionStore.auditEvents(readingDatabaseAt: database, tenantSlug: tenant) } catch {
                throw Failure(error.reason)
            }
        }
        return try await eventsFromAPI()
    }

    /// Pages through `GET /t/{slug}/api/v1/admin/audit` and rebuilds each event from its JSON.
    private func eventsFromAPI() async throws(Failure) -> [AuditEvent] {
        let client: APIClient
        do { client = try APIClient(url: url, secretKey: secretKey, surface: "/t/\(APIClient.segment(tenant))/api/v1/admin") } catch {
            throw Failure(nil)
        }
        var events: [AuditEvent] = []
        var cursor: String?
        repeat {
            let page: JSONValue
            do { page = try await client.call("GET", "/audit?limit=500" + (cursor.map { "&cursor=\(APIClient.segment($0))" } ?? "")) } catch {
                // APIClient has printed the server's answer; this says what it was for.
                throw Failure("cannot read the audit log of \(tenant) from \(client.baseURL)")
            }
            guard let items = page["data"]?.arrayValue, let next = page["nextCursor"], next.isNull || next.stringValue != nil else {
                throw Failure("\(client.baseURL) answered something other than an audit page")
            }
            for item in items {
                do { events.append(try AuditEvent(json: item)) } catch { throw Failure("\(client.baseURL): \(error.reason)") }
            }
            guard next.stringValue != cursor || next.isNull else { throw Failure("the server repeated a cursor") }
            cursor = next.stringValue
        } while cursor != nil
        return events
    }
}
