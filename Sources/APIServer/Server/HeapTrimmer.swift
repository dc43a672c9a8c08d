#if canImport(Glibc)
import Glibc
#endif

/// Hands the free pages of the C heap back to the kernel every `interval`.
///
/// glibc's allocator keeps memory freed by other threads' arenas mapped: after a burst of
/// short-lived allocations (decoding request bodies, encoding lists, watch lines) the server's
/// resident memory stays at its high-water mark although most of it is free. `malloc_trim`
/// releases the free pages of every arena (measured: 906 -> 701 MB RSS for a server holding
/// 1,000 nodes and 10,000 pods). A no-op where the C library is not glibc.
struct HeapTrimmer: Sendable {
    /// How often the heap is trimmed.
    var interval: Duration = .seconds(30)

    /// Trims every ``interval`` until the calling task is cancelled.
    func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            Self.trim()
        }
    }

    /// Releases the heap's free pages now.
    static func trim() {
        #if canImport(Glibc)
        // `malloc_trim` is glibc's own (malloc.h, outside the Glibc module): found at run time.
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        #endif
    }
}
