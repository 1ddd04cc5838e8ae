using System.Numerics;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.Regexes;

/// <summary>
/// The characters one regex position can match, exact for ASCII and for listed non-ASCII characters and
/// approximated by two flags for the rest. Approximations only ever widen the set, so an overlap test that says
/// "disjoint" is true and a fold or literal derived from an exact set is sound.
/// </summary>
internal sealed class CharSet
{
    // Ranges wider than this are kept as flags rather than listed; look-alike classes stay well below it.
    private const int MaxListedNonAscii = 512;

    private ulong low;
    private ulong high;
    private HashSet<char>? listed;

    // Non-ASCII characters that are not listed, by kind: enough to tell \d from [^\d\s] and \w from \W.
    private const byte Digit = 1;
    private const byte Letter = 2;
    private const byte Space = 4;
    private const byte Other = 8;
    private const byte All = Digit | Letter | Space | Other;

    private byte other;

    /// <summary>May contain non-ASCII word characters (<c>\w</c>) that are not listed.</summary>
    public bool OtherWord => (this.other & (Digit | Letter)) != 0;

    /// <summary>May contain non-ASCII non-word characters that are not listed.</summary>
    public bool OtherNonWord => (this.other & (Space | Other)) != 0;

    public static CharSet Empty() => new();

    public static CharSet Of(char c, bool ignoreCase)
    {
        var set = new CharSet();
        set.Add(c, ignoreCase);
        return set;
    }

    public static CharSet Any(bool singleline)
    {
        var set = new CharSet { low = ulong.MaxValue, high = ulong.MaxValue, other = All };
        if (!singleline)
        {
            set.low &= ~(1UL << '\n');
        }

        return set;
    }

    /// <summary>True when nothing outside ASCII and the listed characters is possible.</summary>
    public bool IsExact => !OtherWord && !OtherNonWord;

    public bool Contains(char c) => c < 128
        ? (c < 64 ? (this.low >> c & 1) != 0 : (this.high >> (c - 64) & 1) != 0)
        : this.listed?.Contains(c) == true || (IsWordChar(c) ? OtherWord : OtherNonWord);

    public void Add(char c, bool ignoreCase)
    {
        if (ignoreCase)
        {
            AddOne(char.ToLowerInvariant(c));
            AddOne(char.ToUpperInvariant(c));
            if (c is 'k' or 'K' or '\u212A')
            {
                // The regex case table makes K, k and the Kelvin sign equivalent.
                AddOne('k');
                AddOne('K');
                AddOne('\u212A');
            }
            else if (c >= 128 && char.IsLetter(c))
            {
                // Other non-ASCII case equivalences are not modelled: widen instead of guessing.
                this.other |= Letter;
            }
        }

        AddOne(c);
    }

    public void AddRange(char first, char last, bool ignoreCase)
    {
        for (int c = first; c <= last && c < 128; c++)
        {
            Add((char)c, ignoreCase);
        }

        if (last >= 128)
        {
            var from = Math.Max(first, (char)128);
            if (last - from + 1 > MaxListedNonAscii)
            {
                this.other = All;
                return;
            }

            for (int c = from; c <= last; c++)
            {
                Add((char)c, ignoreCase);
            }
        }
    }

    public void UnionWith(CharSet other)
    {
        this.low |= other.low;
        this.high |= other.high;
        this.other |= other.other;
        if (other.listed is not null)
        {
            (this.listed ??= []).UnionWith(other.listed);
        }
    }

    /// <summary>Complements the set; listed non-ASCII exclusions are forgotten, which only widens it.</summary>
    public void Complement()
    {
        this.low = ~this.low;
        this.high = ~this.high;
        this.listed = null;
        this.other = (byte)(~this.other & All);
    }

    /// <summary>Adds a class escape such as <c>\w</c>, <c>\D</c>; unknown ones widen to everything.</summary>
    public void AddEscapeClass(char letter)
    {
        var part = new CharSet();
        switch (char.ToLowerInvariant(letter))
        {
            case 'w':
                part.AddRange('a', 'z', false);
                part.AddRange('A', 'Z', false);
                part.AddRange('0', '9', false);
                part.AddOne('_');
                part.other = Digit | Letter;
                break;
            case 'd':
                part.AddRange('0', '9', false);
                part.other = Digit;
                break;
            case 's':
                foreach (var c in " \t\n\r\f\v")
                {
                    part.AddOne(c);
                }

                part.other = Space;
                break;
            default:
                part = Any(true);
                break;
        }

        if (char.IsUpper(letter))
        {
            part.Complement();
        }

        UnionWith(part);
    }

    public bool Overlaps(CharSet other)
    {
        if ((this.low & other.low) != 0 || (this.high & other.high) != 0)
        {
            return true;
        }

        if ((this.other & other.other) != 0)
        {
            return true;
        }

        return ListedOverlap(this, other) || ListedOverlap(other, this);

        static bool ListedOverlap(CharSet a, CharSet b)
        {
            if (a.listed is null)
            {
                return false;
            }

            foreach (var c in a.listed)
            {
                if (b.Contains(c))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The members when the set is exact and has at most <paramref name="max"/> of them; otherwise null.</summary>
    public List<char>? Members(int max)
    {
        if (!IsExact)
        {
            return null;
        }

        var count = BitOperations.PopCount(this.low) + BitOperations.PopCount(this.high) + (this.listed?.Count ?? 0);
        if (count > max)
        {
            return null;
        }

        var members = new List<char>(count);
        for (var c = 0; c < 128; c++)
        {
            if (Contains((char)c))
            {
                members.Add((char)c);
            }
        }

        if (this.listed is not null)
        {
            members.AddRange(this.listed);
        }

        return members;
    }

    /// <summary>Visits the exact part (ASCII and listed characters).</summary>
    public void ForEachExact(Action<char> visit)
    {
        for (var c = 0; c < 128; c++)
        {
            if (Contains((char)c))
            {
                visit((char)c);
            }
        }

        if (this.listed is not null)
        {
            foreach (var c in this.listed)
            {
                visit(c);
            }
        }
    }

    /// <summary>Whether the regex engine's <c>\w</c> matches the character (taken from the engine itself).</summary>
    public static bool IsWordChar(char c) => WordChars.Value[c];

    private static readonly Lazy<bool[]> WordChars = new(() =>
    {
        var all = new char[65536];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = (char)i;
        }

        var table = new bool[65536];
        foreach (var match in new Regex(@"\w", RegexOptions.CultureInvariant).EnumerateMatches(all))
        {
            table[match.Index] = true;
        }

        return table;
    });

    private void AddOne(char c)
    {
        if (c < 64)
        {
            this.low |= 1UL << c;
        }
        else if (c < 128)
        {
            this.high |= 1UL << (c - 64);
        }
        else
        {
            (this.listed ??= []).Add(c);
        }
    }
}
