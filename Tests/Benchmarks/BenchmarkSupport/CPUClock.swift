import Glibc

/// Operations per CPU-second of the calling thread, like `openssl speed` (which counts user CPU
/// time): wall time would charge us for whatever else the shared machine is doing.
public enum CPUClock {
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Runs `body` in batches until `seconds` of CPU time have passed; returns operations per second.
    /// Batches hold about a millisecond of work, so reading the clock (a system call) costs nothing
    /// measurable even for microsecond operations.
    public static func rate(seconds: Double, warmUp: Bool = true, _ body: () throws -> Void) rethrows -> Double {
        if warmUp { for _ in 0..<20 { try body() } }  // pools and caches
        let batch = try batchSize(body)
        var operations = 0
        let start = now()
        var elapsed = 0.0
        repeat {
            for _ in 0..<batch { try body() }
            operations += batch
            elapsed = now() - start
        } while elapsed < seconds
        return Double(operations) / elapsed
    }

    /// How many operations make about a millisecond, from timing four.
    private static func batchSize(_ body: () throws -> Void) rethrows -> Int {
        let probeStart = now()
        for _ in 0..<4 { try body() }
        let perOperation = max((now() - probeStart) / 4, 1e-7)
        return max(1, min(4096, Int(0.001 / perOperation)))
    }

    /// User CPU time of the calling thread, the clock `openssl speed` counts (`times()`'s user time).
    public static func userNow() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    }

    public static func wallNow() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Operations per second of the calling thread's CPU time, counted two ways.
    public struct SharedRates: Sendable {
        /// Per second of user CPU time: the divisor `openssl speed` uses (`times()`'s `tms_utime`),
        /// so this is the like-for-like figure beside its output.
        public var perUserSecond: Double
        /// Per second of user and system CPU time together (`CLOCK_THREAD_CPUTIME_ID`): stricter,
        /// since it also charges us the kernel time that sharing a CPU brings.
        public var perCPUSecond: Double

        public init(perUserSecond: Double, perCPUSecond: Double) {
            self.perUserSecond = perUserSecond
            self.perCPUSecond = perCPUSecond
        }
    }

    /// Runs `body` for `seconds` of wall time, however much CPU that gives us, and returns
    /// operations per CPU-second: used while `openssl speed` shares the same CPU.
    public static func rate(wallSeconds seconds: Double, _ body: () throws -> Void) rethrows -> SharedRates {
        let batch = try batchSize(body)
        var operations = 0
        let wallStart = wallNow()
        let start = now()
        let userStart = userNow()
        repeat {
            for _ in 0..<batch { try body() }
            operations += batch
        } while wallNow() - wallStart < seconds
        let cpu = now() - start
        let user = userNow() - userStart
        return SharedRates(perUserSecond: Double(operations) / user, perCPUSecond: Double(operations) / cpu)
    }

    /// Our operation against a reference operation in alternating short slices; the median of the
    /// slice-pair ratios. Noise on a shared machine drifts over seconds, so slices tens of
    /// milliseconds apart see the same machine and the ratio isolates the code's own cost.
    public static func interleavedRatio(
        slices: Int = 30, slice: Double = 0.03, _ ours: () throws -> Void, against reference: () throws -> Void
    ) rethrows -> Double {
        var ratios: [Double] = []
        for _ in 0..<slices {
            let a = try rate(seconds: slice, warmUp: false, ours)
            let b = try rate(seconds: slice, warmUp: false, reference)
            ratios.append(a / b)
        }
        ratios.sort()
        return ratios[ratios.count / 2]
    }
}
