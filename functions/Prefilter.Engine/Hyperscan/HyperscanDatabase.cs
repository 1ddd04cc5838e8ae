using System.Runtime.InteropServices;
using System.Text;

namespace Prefilter.Engine.Hyperscan;

/// <summary>A compiled Hyperscan block-mode database: many patterns, one pass over a text reports each that matches.</summary>
internal sealed unsafe class HyperscanDatabase : SafeHandle
{
    private HyperscanDatabase()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => this.handle == IntPtr.Zero;

    /// <summary>The bytes the database holds.</summary>
    public long Size
    {
        get
        {
            Check(HyperscanNative.DatabaseSize(this, out var size), "hs_database_size");
            return (long)size;
        }
    }

    /// <summary>
    /// Compiles the expressions into one database. An expression Hyperscan refuses is left out and reported, so one
    /// pattern it cannot take does not cost the others their database.
    /// </summary>
    /// <param name="expressions">The expressions, each with the id a match reports.</param>
    /// <param name="refused">The expressions left out, with Hyperscan's reason.</param>
    /// <returns>The database, or null when no expression was left.</returns>
    public static HyperscanDatabase? Compile(IReadOnlyList<HyperscanExpression> expressions, out IReadOnlyList<(HyperscanExpression Expression, string Reason)> refused)
    {
        // A refusal in the full compile costs a whole recompile, and a set can have dozens: what the parser refuses is
        // found without compiling, and a long expression, the kind whose machine may be too large, is compiled alone.
        var refusals = new List<(HyperscanExpression, string)>();
        refused = refusals;
        var left = new List<HyperscanExpression>();
        foreach (var expression in expressions)
        {
            var reason = ParseError(expression);
            if (reason is null && expression.Pattern.Length > LongExpression)
            {
                var (alone, _, compileError) = TryCompile([expression]);
                alone?.Dispose();
                reason = alone is null ? compileError : null;
            }

            if (reason is null)
            {
                left.Add(expression);
            }
            else
            {
                refusals.Add((expression, reason));
            }
        }

        while (left.Count > 0)
        {
            var (database, failed, reason) = TryCompile(left);
            if (database is not null)
            {
                return database;
            }

            if (failed < 0)
            {
                // A failure of the whole database (its size) names no expression: none is served.
                refusals.AddRange(left.Select(expression => (expression, reason)));
                return null;
            }

            refusals.Add((left[failed], reason));
            left.RemoveAt(failed);
        }

        return null;
    }

    private const int LongExpression = 1000;

    private static string? ParseError(HyperscanExpression expression)
    {
        fixed (byte* pattern = Encoding.UTF8.GetBytes(expression.Pattern + "\0"))
        {
            if (HyperscanNative.ExpressionInfo(pattern, expression.Flags, out var info, out var error) == HyperscanNative.Success)
            {
                HyperscanNative.Free(info);
                return null;
            }

            var message = error is null ? "refused" : Marshal.PtrToStringUTF8((IntPtr)error->Message) ?? "refused";
            if (error is not null)
            {
                HyperscanNative.FreeCompileError(error);
            }

            return message;
        }
    }

    private static (HyperscanDatabase? Database, int Failed, string Reason) TryCompile(List<HyperscanExpression> expressions)
    {
        var utf8 = expressions.Select(expression => Encoding.UTF8.GetBytes(expression.Pattern + "\0")).ToArray();
        var handles = utf8.Select(bytes => GCHandle.Alloc(bytes, GCHandleType.Pinned)).ToArray();
        try
        {
            var pointers = new IntPtr[expressions.Count];
            var flags = new uint[expressions.Count];
            var ids = new uint[expressions.Count];
            for (var i = 0; i < expressions.Count; i++)
            {
                pointers[i] = handles[i].AddrOfPinnedObject();
                flags[i] = expressions[i].Flags;
                ids[i] = expressions[i].Id;
            }

            fixed (IntPtr* patterns = pointers)
            fixed (uint* flagsPointer = flags)
            fixed (uint* idsPointer = ids)
            {
                var result = HyperscanNative.CompileMulti((byte**)patterns, flagsPointer, idsPointer, (uint)expressions.Count,
                    HyperscanNative.ModeBlock, null, out var database, out var error);
                if (result == HyperscanNative.Success)
                {
                    var compiled = new HyperscanDatabase();
                    compiled.SetHandle(database);
                    return (compiled, -1, "");
                }

                var message = error is null ? $"error {result}" : Marshal.PtrToStringUTF8((IntPtr)error->Message) ?? $"error {result}";
                var failed = error is null ? -1 : error->Expression;
                if (error is not null)
                {
                    HyperscanNative.FreeCompileError(error);
                }

                return (null, failed, message);
            }
        }
        finally
        {
            foreach (var handle in handles)
            {
                handle.Free();
            }
        }
    }

    /// <summary>The database in Hyperscan's serialized form, which names the library version and platform it is for.</summary>
    public byte[] Serialize()
    {
        Check(HyperscanNative.SerializeDatabase(this, out var bytes, out var length), "hs_serialize_database");
        try
        {
            return new ReadOnlySpan<byte>(bytes, checked((int)length)).ToArray();
        }
        finally
        {
            HyperscanNative.Free(bytes);
        }
    }

    /// <summary>Loads a database written by <see cref="Serialize"/>.</summary>
    /// <param name="serialized">The serialized database.</param>
    /// <returns>The database.</returns>
    /// <exception cref="HyperscanException">
    /// The bytes are not a database, or one of another library version or platform (<see cref="HyperscanException.Code"/>).
    /// </exception>
    public static HyperscanDatabase Deserialize(ReadOnlySpan<byte> serialized)
    {
        fixed (byte* bytes = serialized)
        {
            Check(HyperscanNative.DeserializeDatabase(bytes, (nuint)serialized.Length, out var database), "hs_deserialize_database");
            var loaded = new HyperscanDatabase();
            loaded.SetHandle(database);
            return loaded;
        }
    }

    /// <summary>Writes to <paramref name="matched"/> the id of every expression that matches <paramref name="utf8"/>.</summary>
    /// <param name="utf8">The text, valid UTF-8.</param>
    /// <param name="scratch">Scratch space allocated for this database, used by no other thread meanwhile.</param>
    /// <param name="matched">Room for one id per expression (each reports once: <see cref="HyperscanNative.FlagSingleMatch"/>).</param>
    /// <returns>How many ids were written.</returns>
    public int Scan(ReadOnlySpan<byte> utf8, HyperscanScratch scratch, Span<int> matched)
    {
        // Hyperscan refuses a null data pointer, which is what an empty span pins to.
        fixed (byte* data = utf8.IsEmpty ? EmptyText : utf8)
        fixed (int* ids = matched)
        {
            var context = new MatchContext { Ids = ids, Capacity = matched.Length };
            Check(HyperscanNative.Scan(this, data, (uint)utf8.Length, 0, scratch, &OnMatch, &context), "hs_scan");
            return context.Count;
        }
    }

    private static readonly byte[] EmptyText = [0];

    [UnmanagedCallersOnly]
    private static int OnMatch(uint id, ulong from, ulong to, uint flags, void* context)
    {
        var match = (MatchContext*)context;
        if (match->Count < match->Capacity)
        {
            match->Ids[match->Count++] = (int)id;
        }

        return 0;
    }

    internal static void Check(int result, string call)
    {
        if (result != HyperscanNative.Success)
        {
            throw new HyperscanException(call, result);
        }
    }

    protected override bool ReleaseHandle() => HyperscanNative.FreeDatabase(this.handle) == HyperscanNative.Success;

    private struct MatchContext
    {
        public int* Ids;
        public int Capacity;
        public int Count;
    }
}

/// <summary>One expression of a <see cref="HyperscanDatabase"/>: Hyperscan's syntax, its flags, the id a match reports.</summary>
/// <param name="Id">The id a match reports.</param>
/// <param name="Pattern">The expression in Hyperscan's (PCRE's) syntax.</param>
/// <param name="Flags">Hyperscan's compile flags.</param>
internal sealed record HyperscanExpression(uint Id, string Pattern, uint Flags);

/// <summary>Per-thread working memory of Hyperscan scans, sized for every database it was allocated for.</summary>
internal sealed class HyperscanScratch : SafeHandle
{
    private HyperscanScratch()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => this.handle == IntPtr.Zero;

    /// <summary>The bytes the scratch holds.</summary>
    public long Size
    {
        get
        {
            HyperscanDatabase.Check(HyperscanNative.ScratchSize(this, out var size), "hs_scratch_size");
            return (long)size;
        }
    }

    /// <summary>Allocates scratch space fit for each of the databases.</summary>
    /// <param name="databases">The databases; at least one.</param>
    /// <returns>The scratch.</returns>
    public static HyperscanScratch Allocate(IEnumerable<HyperscanDatabase> databases)
    {
        var scratch = IntPtr.Zero;
        foreach (var database in databases)
        {
            HyperscanDatabase.Check(HyperscanNative.AllocScratch(database, ref scratch), "hs_alloc_scratch");
        }

        var allocated = new HyperscanScratch();
        allocated.SetHandle(scratch);
        return allocated;
    }

    /// <summary>A copy for another thread.</summary>
    public HyperscanScratch Clone()
    {
        HyperscanDatabase.Check(HyperscanNative.CloneScratch(this, out var clone), "hs_clone_scratch");
        var copy = new HyperscanScratch();
        copy.SetHandle(clone);
        return copy;
    }

    protected override bool ReleaseHandle() => HyperscanNative.FreeScratch(this.handle) == HyperscanNative.Success;
}

/// <summary>A Hyperscan call failed.</summary>
/// <param name="call">The function called.</param>
/// <param name="code">Its error code (<c>hs_error_t</c>).</param>
public sealed class HyperscanException(string call, int code)
    : Exception($"{call} failed with Hyperscan error {code}{(code switch { HyperscanNative.DatabaseVersionError => " (a database of another Hyperscan version)", HyperscanNative.DatabasePlatformError => " (a database of another platform)", _ => "" })}")
{
    /// <summary>Hyperscan's error code.</summary>
    public int Code { get; } = code;
}
