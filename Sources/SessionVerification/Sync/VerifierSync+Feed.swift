import CoreMetrics
import Logging
import SessionTokens
import Synchronization

/// Following the revocation feed: page until caught up, then long-poll; snapshots are rebuilt on
/// the side and swapped in whole; every answer that leaves nothing behind confirms the list.
extension VerifierSync {

    func followRevocations() async {
        var cursor: Int64 = 0
        var caughtUp = false
        /// Entries of a snapshot being paged in; swapped in whole once complete.
        var rebuilding: RevocationSnapshot?
        var retry = configuration.retryDelay
        var lastPrune = ContinuousClock.now
        while !Task.isCancelled {
            let wait = caughtUp ? configuration.pollWaitSeconds : 0
            let page: RevocationFeedMessage
            do {
                page = try await fetchFeed(after: cursor, wait: wait)
                retry = configuration.retryDelay
                progress.withLock { $0.feedError = nil }
            } catch {
                if Task.isCancelled { return }
                logger.warning("revocation feed request failed", metadata: ["cursor": "\(cursor)", "error": "\(error)"])
                progress.withLock { $0.feedError = "\(error)" }
                metrics.feedErrors.increment()
                caughtUp = false
                do { try await Task.sleep(for: retry) } catch { return }
                retry = min(retry * 2, configuration.maximumRetryDelay)
                continue
            }
            let received = ContinuousClock.now
            if page.snapshot {
                logger.info("revocation feed sent a snapshot", metadata: ["cursor": "\(cursor)"])
                rebuilding = RevocationSnapshot()
            }
            // An answer with fewer entries than a page holds everything up to the server's head.
            caughtUp = page.entries.count < configuration.pageLimit
            if rebuilding != nil {
                for entry in page.entries { entry.apply(to: &rebuilding!) }
                if caughtUp {
                    revocations.replace(with: rebuilding!, confirmedAt: received)
                    rebuilding = nil
                }
            } else {
                revocations.update(confirmedAt: caughtUp ? received : nil) { snapshot in
                    for entry in page.entries { entry.apply(to: &snapshot) }
                }
            }
            cursor = page.cursor
            progress.withLock { $0.cursor = page.cursor }
            if received - lastPrune >= configuration.pruneInterval {
                lastPrune = received
                revocations.removeExpired(now: wallClock())
            }
        }
    }

    func fetchFeed(after cursor: Int64, wait: Int) async throws -> RevocationFeedMessage {
        let url = "\(configuration.serverURL)/v1/revocations?after=\(cursor)&wait=\(wait)&limit=\(configuration.pageLimit)"
        let response = try await transport.get(
            url, headers: ["Authorization": "Bearer \(configuration.secretKey)", "Accept": "application/json"],
            timeout: .seconds(Int64(wait) + 10))
        guard response.status == 200 else {
            let code = (try? JSONParser.parse(response.body))?["errors"]?.arrayValue?.first?["code"]?.stringValue
            throw VerificationError(.syncFailed, "revocation feed answered \(response.status)\(code.map { " (\($0))" } ?? "")")
        }
        return try RevocationFeedCodec.decode(response.body)
    }
}
