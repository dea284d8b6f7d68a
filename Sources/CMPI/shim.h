// Open MPI defines its predefined handles (MPI_COMM_WORLD, MPI_FLOAT, ...) as casts of
// addresses of globals, which Swift cannot import. These static inline getters expose them.
#include <mpi.h>

static inline MPI_Comm CMPI_COMM_WORLD(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype CMPI_FLOAT(void) { return MPI_FLOAT; }
static inline MPI_Datatype CMPI_DOUBLE(void) { return MPI_DOUBLE; }
static inline MPI_Datatype CMPI_INT32(void) { return MPI_INT32_T; }
static inline MPI_Datatype CMPI_INT64(void) { return MPI_INT64_T; }
static inline MPI_Datatype CMPI_BYTE(void) { return MPI_BYTE; }
static inline MPI_Op CMPI_SUM(void) { return MPI_SUM; }
static inline MPI_Op CMPI_MAX(void) { return MPI_MAX; }
static inline MPI_Op CMPI_MIN(void) { return MPI_MIN; }
static inline void *CMPI_IN_PLACE(void) { return MPI_IN_PLACE; }
static inline MPI_Status *CMPI_STATUS_IGNORE(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *CMPI_STATUSES_IGNORE(void) { return MPI_STATUSES_IGNORE; }
static inline MPI_Request CMPI_REQUEST_NULL(void) { return MPI_REQUEST_NULL; }
static inline MPI_Errhandler CMPI_ERRORS_RETURN(void) { return MPI_ERRORS_RETURN; }
