import Foundation
#if os(Linux)
import Glibc
#endif

extension SessionServerCommand {
    /// The size from which glibc's malloc gives a block its own mapping, which goes back to the
    /// system when the block is freed.
    static let mmapThreshold: Int32 = 128 << 10

    /// Fixes glibc's mmap threshold at 128 KiB, as `MALLOC_MMAP_THRESHOLD_=131072` would.
    ///
    /// By default the threshold rises to the size of any mapped block that is freed, and from then
    /// on blocks that large come from the heap, where their holes stay resident. The gateway's
    /// revocation list replaces tables of megabytes as it grows (a copy of its base at each fold, a
    /// copy of its delta on each write), so under steady revocations resident memory climbed in
    /// 2.5 MiB steps that were never given back: +16 % from the 5th to the 30th minute of `make soak`.
    /// With the threshold fixed, a 10-minute soak grew +1.4 % after its 5th minute where one without
    /// grew +3.4 %. An operator's own `MALLOC_MMAP_THRESHOLD_` or `GLIBC_TUNABLES` is left alone.
    static func fixAllocatorThreshold() {
        #if os(Linux)
        let environment = ProcessInfo.processInfo.environment
        guard environment["MALLOC_MMAP_THRESHOLD_"] == nil, environment["GLIBC_TUNABLES"] == nil else { return }
        // `mallopt` is declared in <malloc.h>, which the Glibc module does not include.
        guard let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let mmapThresholdParameter: Int32 = -3  // M_MMAP_THRESHOLD
        _ = mallopt(mmapThresholdParameter, mmapThreshold)
        #endif
    }
}
