// Software prefetch for the SpMM row gather (Swift has no prefetch intrinsic).
#ifndef CPREFETCH_H
#define CPREFETCH_H

/// Prefetches `bytes` bytes starting at `p` into cache for reading, one 64-byte line at a time.
static inline void cprefetch_read(const void *p, long bytes) {
    const char *c = (const char *)p;
    for (long i = 0; i < bytes; i += 64) __builtin_prefetch(c + i, 0, 0);
}

#endif
