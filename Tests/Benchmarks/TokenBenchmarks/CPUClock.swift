import Glibc

/// Operations per CPU-second of the calling thread, like `openssl speed` (which counts user CPU
/// time): wall time would charge us for whatever else the shared machine is doing.
enum CPUClock {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Runs `body` in batches until `seconds` of CPU time have passed; returns operations per second.
    static func rate(seconds: Double, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<50 { try body() }  // warm up pools and caches
        var operations = 0
        let start = now()
        var elapsed = 0.0
        repeat {
            for _ in 0..<64 { try body() }
            operations += 64
            elapsed = now() - start
        } while elapsed < seconds
        return Double(operations) / elapsed
    }
}
