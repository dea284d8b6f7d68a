#include <zlib.h>

/* inflateInit2 is a function-like macro, which Swift cannot call: the same call as a function.
   Negative window bits: raw deflate data (no zlib header or trailer), as zip members hold it. */
static inline int CLibz_inflateInitRaw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}
