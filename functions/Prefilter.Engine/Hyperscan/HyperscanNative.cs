using System.Runtime.InteropServices;

namespace Prefilter.Engine.Hyperscan;

/// <summary>
/// The entry points of Intel's Hyperscan (<c>libhs.so.5</c>, Debian's <c>libhyperscan5</c>) the engine calls. The
/// only unsafe code of the engine is here and in the <see cref="SafeHandle"/>s that own what it returns.
/// </summary>
internal static unsafe partial class HyperscanNative
{
    public const string Library = "libhs.so.5";

    public const int Success = 0;
    public const int ScanTerminated = -3;
    public const int CompilerError = -4;
    public const int DatabaseVersionError = -5;
    public const int DatabasePlatformError = -6;

    public const uint FlagCaseless = 1;
    public const uint FlagDotAll = 2;
    public const uint FlagMultiline = 4;
    public const uint FlagSingleMatch = 8;
    public const uint FlagUtf8 = 32;
    public const uint FlagUcp = 64;

    public const uint ModeBlock = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct CompileError
    {
        public byte* Message;
        public int Expression;
    }

    [LibraryImport(Library, EntryPoint = "hs_version")]
    public static partial byte* Version();

    [LibraryImport(Library, EntryPoint = "hs_valid_platform")]
    public static partial int ValidPlatform();

    [LibraryImport(Library, EntryPoint = "hs_compile_multi")]
    public static partial int CompileMulti(byte** expressions, uint* flags, uint* ids, uint count, uint mode, void* platform, out IntPtr database, out CompileError* error);

    [LibraryImport(Library, EntryPoint = "hs_expression_info")]
    public static partial int ExpressionInfo(byte* expression, uint flags, out void* info, out CompileError* error);

    [LibraryImport(Library, EntryPoint = "hs_free_compile_error")]
    public static partial int FreeCompileError(CompileError* error);

    [LibraryImport(Library, EntryPoint = "hs_free_database")]
    public static partial int FreeDatabase(IntPtr database);

    [LibraryImport(Library, EntryPoint = "hs_database_size")]
    public static partial int DatabaseSize(SafeHandle database, out nuint size);

    [LibraryImport(Library, EntryPoint = "hs_serialize_database")]
    public static partial int SerializeDatabase(SafeHandle database, out byte* bytes, out nuint length);

    [LibraryImport(Library, EntryPoint = "hs_deserialize_database")]
    public static partial int DeserializeDatabase(byte* bytes, nuint length, out IntPtr database);

    [LibraryImport(Library, EntryPoint = "hs_alloc_scratch")]
    public static partial int AllocScratch(SafeHandle database, ref IntPtr scratch);

    [LibraryImport(Library, EntryPoint = "hs_clone_scratch")]
    public static partial int CloneScratch(SafeHandle source, out IntPtr clone);

    [LibraryImport(Library, EntryPoint = "hs_scratch_size")]
    public static partial int ScratchSize(SafeHandle scratch, out nuint size);

    [LibraryImport(Library, EntryPoint = "hs_free_scratch")]
    public static partial int FreeScratch(IntPtr scratch);

    [LibraryImport(Library, EntryPoint = "hs_scan")]
    public static partial int Scan(SafeHandle database, byte* data, uint length, uint flags, SafeHandle scratch,
        delegate* unmanaged<uint, ulong, ulong, uint, void*, int> onMatch, void* context);

    // hs_serialize_database and hs_expression_info allocate with the misc allocator, which is malloc unless set otherwise.
    [LibraryImport("libc", EntryPoint = "free")]
    public static partial void Free(void* pointer);
}
