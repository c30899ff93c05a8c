import SessionManagement
import SessionStorage

/// What `GET /ready` checks, each cheap: the store answers a read (its revocation bounds), the
/// default tenant's keys are loaded, and this process's revocation stream (which the gateway's
/// list follows) has reached the store's head. A stream behind by entries another process just
/// committed is caught up once before it counts as failing, so a busy neighbour does not make
/// this process flap between ready and not.
struct Readiness {
    enum Check: String, Sendable {
        case store
        case signingKeys = "signing_keys"
        case revocations
    }

    let manager: SessionManager

    func failing() async -> [Check] {
        var failing: [Check] = []
        let head: Int64?
        do { head = try await manager.store.revocationBounds().highestAssigned } catch {
            head = nil
            failing.append(.store)
        }
        if (try? await manager.tenantKeys(slug: SessionManager.defaultSlug)) == nil { failing.append(.signingKeys) }
        if let head {
            if await manager.revocations.position < head {
                try? await manager.revocations.catchUp()
                if await manager.revocations.position < head { failing.append(.revocations) }
            }
        } else {
            failing.append(.revocations)
        }
        return failing
    }
}
