import Foundation
import SessionStorage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLiteSessionStore {
    /// Makes the database file private before SQLite opens it: the directory mode 0700 when we create
    /// it, the file 0600 whatever the umask (and an existing file from an older version is narrowed
    /// to 0600 too). SQLite creates `-wal` and `-shm` with the main file's permission bits, so they
    /// follow; existing ones are narrowed here as well.
    static func prepareFiles(path: String) throws(StorageError) {
        let manager = FileManager.default
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !manager.fileExists(atPath: directory) {
            do { try manager.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw StorageError(.unavailable, "cannot create \(directory): \(error.localizedDescription)")
            }
            guard chmod(directory, 0o700) == 0 else { throw failure("cannot set mode 0700 on \(directory)") }
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot open \(path)") }
        defer { close(descriptor) }
        // fchmod, not the mode given to open: that one is masked by the umask and ignored for an existing file.
        guard fchmod(descriptor, 0o600) == 0 else { throw failure("cannot set mode 0600 on \(path)") }
        for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: path + suffix) {
            guard chmod(path + suffix, 0o600) == 0 else { throw failure("cannot set mode 0600 on \(path + suffix)") }
        }
    }

    private static func failure(_ what: String) -> StorageError {
        StorageError(.unavailable, "\(what): \(String(cString: strerror(errno)))")
    }
}
