import CMPI
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Open MPI, loaded into the process when a run first starts MPI (``MPICommunicator/initialize()``)
/// and never before: no binary links libmpi, so a run on one process needs no Open MPI at all.
///
/// `dlopen` of `$GRAPHLEARNING_LIBMPI` when set (a file name or path), else of `libmpi.so.40`
/// (the soname of Open MPI 3.0 to 5.0) through the dynamic linker's search (`LD_LIBRARY_PATH`,
/// then the system's library folders). `RTLD_GLOBAL`: the plugins Open MPI opens itself
/// (`mca_*.so`) resolve libmpi's symbols in the global scope. `RTLD_NOW`: a broken installation
/// fails here, not in the middle of a run. Then `dlsym` of every MPI function and predefined
/// handle MessagePassing uses, into one `CMPI_Library` (shim.h of CMPI: the fields have
/// mpi.h's prototypes, so the compiler checks every call).
///
/// Once per process: a `static let` is initialised once, thread-safely; a failure is kept and
/// thrown again by every later call.
enum OpenMPILibrary {
    /// The library opened when `GRAPHLEARNING_LIBMPI` is not set.
    static let defaultName = "libmpi.so.40"
    /// The environment variable that names another library file.
    static let environmentVariable = "GRAPHLEARNING_LIBMPI"

    /// The functions and predefined handles of Open MPI, loaded on the first call.
    /// - Throws: ``CommunicationError`` naming the library that could not be opened (or the
    ///   symbol it lacks) and how to install it.
    static func load() throws(CommunicationError) -> CMPI_Library {
        try loaded.get().library
    }

    /// `@unchecked Sendable`: C function pointers and handles to libmpi's globals, written once
    /// before anyone reads them and never again.
    private struct Loaded: @unchecked Sendable {
        let library: CMPI_Library
    }

    private static let loaded: Result<Loaded, CommunicationError> = open()

    private static func open() -> Result<Loaded, CommunicationError> {
        let requested = ProcessInfo.processInfo.environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        let name = requested ?? defaultName
        let install = "a distributed run loads Open MPI's library when it starts: install Open MPI (Debian, "
            + "Ubuntu: apt install openmpi-bin, which brings libopenmpi3)"
            + (requested == nil ? ", or set \(environmentVariable) to the path of its \(defaultName) if it is installed elsewhere"
                                : "; the file comes from \(environmentVariable) (without it, \(defaultName) is loaded)")
        guard let handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "\(name): not found"
            return .failure(CommunicationError(operation: "loading Open MPI", message: "\(reason); \(install)"))
        }
        let table = UnsafeMutablePointer<CMPI_Library>.allocate(capacity: 1)
        defer { table.deallocate() }
        if let missing = CMPI_bind(handle, table) {
            dlclose(handle)
            return .failure(CommunicationError(
                operation: "loading Open MPI",
                message: "\(name) has no symbol \(String(cString: missing)), so it is not Open MPI's libmpi (3.0 to 5.0); \(install)"))
        }
        return .success(Loaded(library: table.pointee))
    }
}

extension CMPI_Library {
    /// Throws unless `code` is `MPI_SUCCESS`; the error carries `MPI_Error_string`'s text.
    func check(_ code: Int32, _ function: String) throws(CommunicationError) {
        guard code != MPI_SUCCESS else { return }
        var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        _ = Error_string(code, &buffer, &length)
        let message = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw CommunicationError(operation: function, code: code, message: message)
    }
}
