import Foundation

/// The store sections' tables and their JSON lines.
enum StoreReport {
    struct Row: Sendable {
        let p50: Double
        let p99: Double
        let max: Double
    }

    static func table(_ results: [Measured]) {
        print("op                        p50 ms   p99 ms   max ms  samples")
        for result in results {
            print(pad(result.op) + String(format: " %8.3f %8.3f %8.3f %8d", result.percentile(0.5), result.percentile(0.99),
                result.samples.last ?? 0, result.samples.count))
        }
    }

    /// PostgreSQL's figures beside SQLite's from the same `make bench` (another moment on a shared machine: the
    /// ratios say more than the milliseconds). Ratios above 1: PostgreSQL is slower.
    static func sideBySide(_ results: [Measured], sqlite: [String: Row]) {
        print("                               PostgreSQL                 SQLite          PG/SQLite")
        print("op                        p50 ms   p99 ms   max ms   p50 ms   p99 ms      p50     p99")
        for result in results {
            let p50 = result.percentile(0.5), p99 = result.percentile(0.99)
            var line = pad(result.op) + String(format: " %8.3f %8.3f %8.3f", p50, p99, result.samples.last ?? 0)
            if let other = sqlite[result.op], other.p50 > 0, other.p99 > 0 {
                line += String(format: " %8.3f %8.3f %8.2f %7.2f", other.p50, other.p99, p50 / other.p50, p99 / other.p99)
            } else {
                line += "        -        -        -       -"
            }
            print(line)
        }
        if sqlite.isEmpty { print("(no SQLite figures: SQLITE_STORE_ROWS unset; make bench passes the store section's STORE_ROWS)") }
    }

    /// `%-24@` pads nothing on Linux's Foundation.
    static func pad(_ text: String) -> String { text.count >= 24 ? text : text + String(repeating: " ", count: 24 - text.count) }

    static func json(_ results: [Measured]) -> String {
        let rows = results.map {
            String(format: #"{"op":"%@","p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"n":%d}"#, $0.op as NSString, $0.percentile(0.5),
                $0.percentile(0.99), $0.samples.last ?? 0, $0.samples.count)
        }
        return "[\(rows.joined(separator: ","))]"
    }

    /// A `STORE_ROWS` line's JSON, by operation.
    static func parse(_ text: String) -> [String: Row]? {
        guard let rows = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else { return nil }
        var result: [String: Row] = [:]
        for row in rows {
            guard let op = row["op"] as? String, let p50 = row["p50_ms"] as? Double, let p99 = row["p99_ms"] as? Double else { continue }
            result[op] = Row(p50: p50, p99: p99, max: row["max_ms"] as? Double ?? p99)
        }
        return result
    }
}
