import SessionStorage
import Synchronization

/// Tenants with their keys opened, as last loaded by this process, so that minting and verifying
/// need no database read and no key parsing.
///
/// A view of the `RevocationStream`: a `signingKey` entry (a rotation, from this process or
/// another) drops its tenant, and the next use loads it again with the new key. A load that began
/// before such a drop must not put back what it read: `remember(_:readAt:)` keeps a tenant only if
/// nothing was dropped since `generation`.
final class TenantDirectory: Sendable {
    private struct State {
        var byID: [String: TenantKeys] = [:]
        var idBySlug: [String: String] = [:]
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    func tenant(id: String) -> TenantKeys? { state.withLock { $0.byID[id] } }

    func tenant(slug: String) -> TenantKeys? {
        state.withLock { state in state.idBySlug[slug].flatMap { state.byID[$0] } }
    }

    func remember(_ tenant: TenantKeys, readAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            state.byID[tenant.instance.id] = tenant
            state.idBySlug[tenant.instance.slug] = tenant.instance.id
        }
    }

    /// The directory's view of the revocation stream.
    func apply(_ entries: [Revocation]) {
        state.withLock { state in
            for entry in entries {
                switch entry.target {
                case .signingKey, .tenantChanged: break
                default: continue
                }
                if let tenant = state.byID.removeValue(forKey: entry.instanceID) { state.idBySlug[tenant.instance.slug] = nil }
                state.generation &+= 1
            }
        }
    }
}
