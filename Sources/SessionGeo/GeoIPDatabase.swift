import CMaxMindDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A MaxMind-format database (GeoIP2 or GeoLite2 City or Country, or any database with their layout), read
/// through libmaxminddb.
///
/// The file is memory-mapped once at `init` and only read afterwards, so one instance serves every thread
/// (libmaxminddb's lookups are read-only). Opening checks the metadata and every record of the search tree, so a
/// missing, truncated or damaged file is an error then; a lookup that still meets bad data answers `nil`, never
/// traps. Replace the file by renaming a new one over it (as `geoipupdate` does), never by writing into it: the
/// running process keeps the old mapping until it opens the database again.
public final class GeoIPDatabase: Sendable {
    /// libmaxminddb's handle: it must not move once opened, so it lives in its own allocation. Written only by
    /// `init` and `deinit`; lookups read it and the mapping it points to, which libmaxminddb never changes.
    nonisolated(unsafe) let handle: UnsafeMutablePointer<MMDB_s>

    /// The path the database was opened from.
    public let path: String
    /// The metadata's `database_type`, e.g. `GeoIP2-City` or `GeoLite2-Country`: worth logging at start-up,
    /// since a database of another kind (ASN, ISP) opens fine and locates nobody.
    public let databaseType: String
    /// When the database was built, in seconds since 1970 (metadata `build_epoch`).
    public let buildEpoch: UInt64

    /// Opens and checks the database at `path`.
    public init(path: String) throws(GeoError) {
        try Self.checkFile(path)
        let handle = UnsafeMutablePointer<MMDB_s>.allocate(capacity: 1)
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), handle)
        guard status == MMDB_SUCCESS else {
            let error = Self.openError(status: status, errno: errno, path: path)
            handle.deallocate()
            throw error
        }
        let treeStatus = tessera_mmdb_verify_search_tree(handle)
        guard treeStatus == MMDB_SUCCESS else {
            MMDB_close(handle)
            handle.deallocate()
            throw GeoError(.invalidDatabase, "\(path): \(Self.message(treeStatus))")
        }
        self.handle = handle
        self.path = path
        databaseType = handle.pointee.metadata.database_type.map { String(cString: $0) } ?? ""
        buildEpoch = handle.pointee.metadata.build_epoch
    }

    deinit {
        MMDB_close(handle)
        handle.deallocate()
    }

    /// Refuses what libmaxminddb would report only as a failed read: no such file, a directory, an empty file.
    static func checkFile(_ path: String) throws(GeoError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw GeoError(.unreadable, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw GeoError(.unreadable, "cannot read \(path): not a regular file")
        }
        guard info.st_size > 0 else { throw GeoError(.invalidDatabase, "\(path) is empty, not a MaxMind DB") }
    }

    /// The error for a failed `MMDB_open`: the system's reason when the file could not be read, libmaxminddb's
    /// when it is not a database it accepts.
    static func openError(status: Int32, errno: Int32, path: String) -> GeoError {
        switch status {
        case MMDB_FILE_OPEN_ERROR, MMDB_IO_ERROR, MMDB_OUT_OF_MEMORY_ERROR:
            let system = errno == 0 ? "" : " (\(String(cString: strerror(errno))))"
            return GeoError(.unreadable, "cannot read \(path): \(message(status))\(system)")
        default:
            return GeoError(.invalidDatabase, "\(path) is not a usable MaxMind DB: \(message(status))")
        }
    }

    static func message(_ status: Int32) -> String {
        MMDB_strerror(status).map { String(cString: $0) } ?? "libmaxminddb error \(status)"
    }
}
