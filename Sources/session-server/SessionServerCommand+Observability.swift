import ArgumentParser
import CoreMetrics
import Foundation
import Logging
import Prometheus
import SessionServer

extension SessionServerCommand {
    /// `--log-format`: `text` (swift-log's stream handler) or `json` (one object per line).
    enum LogFormat: String, CaseIterable { case text, json }

    /// The log format and level from the flags or `TESSERA_LOG_FORMAT` / `TESSERA_LOG_LEVEL`,
    /// refused with the flag's name when they are not one of the names.
    static func logSettings(format: String, level: String) throws -> (LogFormat, Logger.Level) {
        guard let parsedFormat = LogFormat(rawValue: format) else {
            throw ValidationError("--log-format must be json or text (TESSERA_LOG_FORMAT), not \(format.prefix(16))")
        }
        guard let parsedLevel = Logger.Level(rawValue: level) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--log-level must be one of \(names) (TESSERA_LOG_LEVEL), not \(level.prefix(16))")
        }
        return (parsedFormat, parsedLevel)
    }

    /// Logs go to standard error in either format; standard output carries only the banner,
    /// which scripts read.
    static func bootstrapLogging(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                return JSONLogHandler(label: label, logLevel: level)
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }

    /// The one registry `GET /metrics` exports, also the process's global metrics backend, so that
    /// a library's swift-metrics (a `VerifierSync` in the same process) lands beside ours.
    static func bootstrapMetrics() -> TesseraMetrics {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return TesseraMetrics(registry: registry)
    }
}
