import MetricsTestKit
import SessionCrypto
import SessionVerification
import Synchronization
import Testing

/// `VerifierSync` reports its lag through the factory in its configuration: ages of its keys and
/// feed, and feed errors, so a service embedding it can export them.
@Suite struct VerifierSyncMetricsTests {
    @Test func lagAndFeedErrorsAreReportedThroughTheGivenFactory() async throws {
        let metrics = TestMetrics()
        let server = FakeServer(keys: [VerifierSyncTests.ec.verificationKey])
        var configuration = VerifierSyncTests.configuration()
        configuration.metricsFactory = metrics
        let sync = VerifierSync(configuration: configuration, transport: server)
        let keysAge = try metrics.expectGauge("tessera_verifier_keys_age_seconds")
        let feedAge = try metrics.expectGauge("tessera_verifier_feed_age_seconds")
        let errors = try metrics.expectCounter("tessera_verifier_feed_errors_total")
        // Nothing fetched yet: -1, not an age of 0 that would look current.
        #expect(keysAge.lastValue == -1 && feedAge.lastValue == -1)
        // Generous deadlines: the whole unit suite runs at once on two cores, and this only waits
        // for the follower's own loops (the fake server answers at once).
        let task = Task { try await sync.run() }
        defer { task.cancel() }
        try await VerifierSyncTests.expectEventually(within: .seconds(60)) { (keysAge.lastValue ?? -1) >= 0 && (feedAge.lastValue ?? -1) >= 0 }
        #expect(errors.totalValue == 0)
        server.state.withLock { $0.down = true }
        try await VerifierSyncTests.expectEventually(within: .seconds(60)) { errors.totalValue >= 2 }
        // While the feed is down, nothing confirms the list: its age only grows.
        try await Task.sleep(for: .milliseconds(300))
        try await VerifierSyncTests.expectEventually(within: .seconds(60)) { (feedAge.lastValue ?? 0) >= 0.25 }
        server.state.withLock { $0.down = false }
        try await VerifierSyncTests.expectEventually(within: .seconds(60)) { (feedAge.lastValue ?? 1) < 0.25 }
    }
}
