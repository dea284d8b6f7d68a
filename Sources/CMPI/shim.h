// Open MPI's C API without linking it: the module map has no `link "mpi"` and Package.swift no
// pkg-config, so no binary needs libmpi to start. MessagePassing loads libmpi with dlopen when a
// run first starts MPI (OpenMPILibrary.swift) and reaches every function and predefined handle
// through one table, CMPI_Library, filled here with dlsym. Types and constants (MPI_Comm,
// MPI_Status, MPI_SUCCESS, MPI_ANY_SOURCE, MPI_STATUS_IGNORE, ...) still come from mpi.h.
//
// mpi.h: Open MPI's own include folder on Debian and Ubuntu (package libopenmpi-dev), not the
// mpi/ alternatives link, which may point at MPICH's headers; else any <mpi.h> on the path.
#if defined(__x86_64__)
#define CMPI_OPENMPI_HEADER "/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h"
#elif defined(__aarch64__)
#define CMPI_OPENMPI_HEADER "/usr/lib/aarch64-linux-gnu/openmpi/include/mpi.h"
#endif
#if defined(CMPI_OPENMPI_HEADER) && __has_include(CMPI_OPENMPI_HEADER)
#include CMPI_OPENMPI_HEADER
#elif __has_include(<mpi.h>)
#include <mpi.h>
#else
#error "Open MPI's mpi.h not found: install libopenmpi-dev (Debian/Ubuntu)"
#endif
#ifndef OPEN_MPI
#error "mpi.h is not Open MPI's (the predefined handles below are Open MPI's): install libopenmpi-dev"
#endif

#include <dlfcn.h>
#include <stddef.h>

// Every MPI function MessagePassing calls: X(name) for MPI_name.
#define CMPI_FUNCTIONS(X) \
    X(Abort) X(Cancel) X(Comm_dup) X(Comm_rank) X(Comm_set_errhandler) X(Comm_size) \
    X(Comm_split) X(Error_string) X(Finalize) X(Finalized) X(Get_count) X(Get_processor_name) \
    X(Init_thread) X(Initialized) X(Iprobe) X(Irecv) X(Isend) X(Recv) X(Test)

// Open MPI defines its predefined handles as addresses of globals of libmpi
// (MPI_COMM_WORLD is `(MPI_Comm) &ompi_mpi_comm_world`): X(field, type, global).
#define CMPI_HANDLES(X) \
    X(COMM_WORLD, MPI_Comm, ompi_mpi_comm_world) X(FLOAT, MPI_Datatype, ompi_mpi_float) \
    X(BYTE, MPI_Datatype, ompi_mpi_byte) X(ERRORS_RETURN, MPI_Errhandler, ompi_mpi_errors_return) \
    X(REQUEST_NULL, MPI_Request, ompi_request_null)

/// Open MPI as loaded at run time: `library.Isend(...)` is `MPI_Isend(...)` with mpi.h's exact
/// prototype, `library.COMM_WORLD` is `MPI_COMM_WORLD`. Valid only once CMPI_bind succeeded.
typedef struct CMPI_Library {
#define CMPI_FUNCTION_FIELD(name) __typeof__(&MPI_##name) _Nonnull name;
    CMPI_FUNCTIONS(CMPI_FUNCTION_FIELD)
#undef CMPI_FUNCTION_FIELD
#define CMPI_HANDLE_FIELD(field, type, global) type _Nonnull field;
    CMPI_HANDLES(CMPI_HANDLE_FIELD)
#undef CMPI_HANDLE_FIELD
} CMPI_Library;

/// Fills `library` with dlsym from `handle` (a dlopen of libmpi). Returns NULL, or the name of
/// the first symbol the library lacks (then `library` is incomplete and must not be used).
static inline const char *_Nullable CMPI_bind(void *_Nonnull handle, CMPI_Library *_Nonnull library) {
    void *symbol;
#define CMPI_BIND_FUNCTION(name) \
    if (!(symbol = dlsym(handle, "MPI_" #name))) return "MPI_" #name; \
    library->name = (__typeof__(&MPI_##name))symbol;
    CMPI_FUNCTIONS(CMPI_BIND_FUNCTION)
#undef CMPI_BIND_FUNCTION
#define CMPI_BIND_HANDLE(field, type, global) \
    if (!(symbol = dlsym(handle, #global))) return #global; \
    library->field = (type)symbol;
    CMPI_HANDLES(CMPI_BIND_HANDLE)
#undef CMPI_BIND_HANDLE
    return NULL;
}

// Macro constants that are casts, which Swift does not import (they need no library).
static inline void *_Nonnull CMPI_IN_PLACE(void) { return MPI_IN_PLACE; }
static inline MPI_Status *_Nullable CMPI_STATUS_IGNORE(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *_Nullable CMPI_STATUSES_IGNORE(void) { return MPI_STATUSES_IGNORE; }
