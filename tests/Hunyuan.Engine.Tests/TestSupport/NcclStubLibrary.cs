using System.Diagnostics;

namespace Hunyuan.Engine.Tests.TestSupport;

/// <summary>
/// A stand-in libnccl.so.2, NOT NCCL: a C file compiled with gcc at test time that exports the entry points the binding
/// resolves, records the arguments of ncclSend/ncclRecv, and lets a test read them back (stub_last). It checks the
/// binding's side of the ABI (argument order, the 128-byte id passed by value, which exports are required); nothing
/// about NCCL's behaviour.
/// </summary>
internal static class NcclStubLibrary
{
    private const string Source = """
        #include <stddef.h>
        #include <string.h>
        typedef struct { char internal[128]; } ncclUniqueId;
        static int s_kind; static const void* s_buf; static size_t s_count; static int s_type, s_peer; static void* s_comm; static void* s_stream;
        int ncclGetVersion(int* v) { *v = 22703; return 0; }
        int ncclGetUniqueId(ncclUniqueId* id) { memset(id->internal, 7, 128); id->internal[127] = 9; return 0; }
        int ncclCommInitAll(void** comms, int n, const int* devs) { return 5; }
        /* The communicator handle encodes what came by value, so a test sees the id's first and last bytes. */
        int ncclCommInitRank(void** comm, int n, ncclUniqueId id, int rank) {
          *comm = (void*)(size_t)(id.internal[0] * 100000 + id.internal[127] * 1000 + n * 10 + rank); return 0; }
        int ncclCommDestroy(void* c) { return 0; }
        int ncclCommAbort(void* c) { return 0; }
        int ncclCommGetAsyncError(void* c, int* e) { *e = 0; return 0; }
        const char* ncclGetErrorString(int r) { return "stub error"; }
        int ncclAllReduce(const void* s, void* r, size_t n, int t, int op, void* c, void* st) { return 5; }
        int ncclAllGather(const void* s, void* r, size_t n, int t, void* c, void* st) { return 5; }
        int ncclGroupStart(void) { return 0; }
        int ncclGroupEnd(void) { return 0; }
        static int record(int kind, const void* b, size_t n, int t, int p, void* c, void* s) {
          s_kind = kind; s_buf = b; s_count = n; s_type = t; s_peer = p; s_comm = c; s_stream = s; return 0; }
        #ifndef NO_SEND
        int ncclSend(const void* b, size_t n, int t, int p, void* c, void* s) { return record(1, b, n, t, p, c, s); }
        #endif
        #ifndef NO_RECV
        int ncclRecv(void* b, size_t n, int t, int p, void* c, void* s) { return record(2, b, n, t, p, c, s); }
        #endif
        void stub_last(long long* out) {
          out[0] = s_kind; out[1] = (long long)(size_t)s_buf; out[2] = (long long)s_count; out[3] = s_type;
          out[4] = s_peer; out[5] = (long long)(size_t)s_comm; out[6] = (long long)(size_t)s_stream; }
        """;

    /// <summary>Compiles the stub into <paramref name="dir"/> (with -D<paramref name="define"/> to leave an export out) and returns its path.</summary>
    public static string Build(string dir, string? define = null)
    {
        var source = Path.Combine(dir, "nccl_stub.c");
        var library = Path.Combine(dir, $"libnccl-stub{(define is null ? "" : "-" + define)}.so");
        File.WriteAllText(source, Source);
        var start = new ProcessStartInfo("gcc") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-shared", "-fPIC", "-o", library, source })
        {
            start.ArgumentList.Add(a);
        }

        if (define is not null)
        {
            start.ArgumentList.Add("-D" + define);
        }

        using var gcc = Process.Start(start) ?? throw new InvalidOperationException("gcc did not start (the stub NCCL tests need gcc)");
        var errors = gcc.StandardError.ReadToEndAsync();
        if (!gcc.WaitForExit(60_000))
        {
            gcc.Kill();
            throw new TimeoutException("gcc did not finish within 60 s");
        }

        Assert.True(gcc.ExitCode == 0, $"gcc failed: {errors.Result}");
        return library;
    }
}
