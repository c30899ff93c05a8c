import Logging
import SessionTokens
import Synchronization

/// Following the JWKS: its `Cache-Control` lifetime, and a refetch when a token names an unknown
/// `kid`, at most once per cooldown.
extension VerifierSync {

    func followKeys() async {
        // By default the key's own tenant's JWKS (`/v1/jwks` answers the tenant of the key that
        // asks); the key is sent only there, never to a URL given by configuration.
        let url = configuration.jwksURL ?? configuration.serverURL + "/v1/jwks"
        let headers = configuration.jwksURL == nil ? ["Accept": "application/json", "Authorization": "Bearer \(configuration.secretKey)"] : ["Accept": "application/json"]
        var nextDue = ContinuousClock.now
        var lastFetch: ContinuousClock.Instant?
        var retry = configuration.retryDelay
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let cooledDown = lastFetch.map { now - $0 >= configuration.keyRefreshCooldown } ?? true
            if now >= nextDue || (cooledDown && keys.isRefreshRequested) {
                _ = keys.takeRefreshRequest()
                lastFetch = now
                do {
                    let lifetime = try await fetchKeys(url, headers: headers)
                    nextDue = ContinuousClock.now + lifetime
                    retry = configuration.retryDelay
                    progress.withLock { $0.keysError = nil }
                } catch {
                    logger.warning("JWKS fetch failed", metadata: ["url": "\(url)", "error": "\(error)"])
                    progress.withLock { $0.keysError = "\(error)" }
                    nextDue = ContinuousClock.now + retry
                    retry = min(retry * 2, configuration.maximumRetryDelay)
                }
            }
            // The lag gauges are set here too, four times a second, whatever the feed is doing.
            metrics.update(keysAge: keys.age, feedAge: revocations.age)
            // A local flag and a deadline are checked four times a second; nothing goes over the network.
            let pause = min(.milliseconds(250), max(.milliseconds(1), nextDue - ContinuousClock.now))
            do { try await Task.sleep(for: pause) } catch { return }
        }
    }

    /// Fetches and swaps in the keys; returns how long they may be cached.
    func fetchKeys(_ url: String, headers: [String: String]) async throws -> Duration {
        let response = try await transport.get(url, headers: headers, timeout: .seconds(10))
        guard response.status == 200 else { throw VerificationError(.syncFailed, "JWKS answered \(response.status)") }
        let parsed: VerifierKeys
        do { parsed = try VerifierKeys(jwks: try JWKS.parse(response.body)) } catch {
            throw VerificationError(.syncFailed, "JWKS is unusable: \(error)")
        }
        keys.replace(with: parsed)
        return Self.maxAge(response.headers["cache-control"]) ?? configuration.defaultKeysLifetime
    }

    /// `max-age` of a `Cache-Control` value, held within 10 s … 1 day; `no-store`/`no-cache` mean 10 s.
    static func maxAge(_ value: String?) -> Duration? {
        guard let value else { return nil }
        for directive in value.lowercased().split(separator: ",") {
            let trimmed = directive.trimmingSpaces
            if trimmed == "no-store" || trimmed == "no-cache" { return .seconds(10) }
            if trimmed.hasPrefix("max-age="), let seconds = Int64(trimmed.dropFirst("max-age=".count)) {
                return .seconds(min(max(seconds, 10), 86_400))
            }
        }
        return nil
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var trimmed = self
        while trimmed.first == " " { trimmed.removeFirst() }
        while trimmed.last == " " { trimmed.removeLast() }
        return trimmed
    }
}
