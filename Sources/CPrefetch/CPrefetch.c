// Header-only target; this file exists because SwiftPM needs one source file per C target.
#include "CPrefetch.h"
