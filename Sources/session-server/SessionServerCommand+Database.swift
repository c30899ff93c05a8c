import ArgumentParser
import Foundation

extension SessionServerCommand {
    /// The database setting must be a file path. A URL (`postgres://user:password@host/db`) is refused
    /// rather than taken for a relative file of that name, which would start an empty SQLite store that
    /// nobody asked for; the message names only the scheme, since the rest may hold a password.
    static func checkDatabasePath(_ value: String) throws {
        guard !value.isEmpty else { throw ValidationError("--database (TESSERA_DATABASE) is empty: give the SQLite file's path") }
        if let separator = value.range(of: "://") {
            let scheme = value[..<separator.lowerBound]
            let shown = scheme.count <= 16 && scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) ? String(scheme) : "a"
            throw ValidationError(
                "--database (TESSERA_DATABASE) takes a SQLite file path, not \(shown == "a" ? "a URL" : "a \(shown):// URL"); "
                    + "this build stores sessions in SQLite only")
        }
        guard !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw ValidationError("--database (TESSERA_DATABASE) holds a control character")
        }
    }
}
