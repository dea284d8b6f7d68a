#include <zlib.h>

/* inflateInit2 is a function-like macro, which Swift cannot call: the same call as a function.
   Negative window bits: raw deflate data (no zlib header or trailer), as zip members hold it. */
static inline int CLibz_inflateInitRaw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}

/* The same for gzip data (RFC 1952): 16 + MAX_WBITS reads the gzip header and checks the
   trailer's CRC-32 and length. */
static inline int CLibz_inflateInitGzip(z_stream *stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}
