using System.Text;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.SpamAssassin;

public static partial class PerlRegexConverter
{
    private sealed record GroupFrame(int OutputStart, bool ExtendedBefore);

    // Groups: captures, named groups, lookarounds, conditionals and inline modifiers.
    private sealed partial class Translation
    {
        private static readonly Regex NamedGroup = new(@"\(\?(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')", RegexOptions.CultureInvariant);

        private static readonly Regex ConditionByNumber = new(@"\(\?\((?:(\d+)|<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')\)", RegexOptions.CultureInvariant);

        private void OpenGroup()
        {
            var start = position;
            if (At(start + 1, '*'))
            {
                throw Unsupported("backtracking control verb (*…)", start);
            }

            if (!At(start + 1, '?'))
            {
                PushGroup("(");
                capturesOpened++;
                position++;
                return;
            }

            var rest = pattern.AsSpan(start + 2);
            if (TrySkipComment(start, rest) || TryOpenUnnamedGroup(start, rest))
            {
                return;
            }

            RefuseBranchResetAndCode(start, rest);
            if (IsReferenceOrRecursion(rest))
            {
                PythonBackreferenceOrRecursion(start, rest);
                return;
            }

            var named = NamedGroup.Match(pattern, start);
            if (named.Success && named.Index == start)
            {
                PushGroup($"(?<{FirstSuccessful(named)}>");
                capturesOpened++;
                position += named.Length;
                return;
            }

            if (rest.StartsWith("("))
            {
                Conditional(start);
                return;
            }

            InlineModifiers(start);
        }

        private bool TrySkipComment(int start, ReadOnlySpan<char> rest)
        {
            if (!rest.StartsWith("#"))
            {
                return false;
            }

            var end = pattern.IndexOf(')', start);
            if (end < 0)
            {
                throw Invalid("unterminated (?#…) comment", start);
            }

            position = end + 1;
            return true;
        }

        // Non-capturing, lookahead, atomic and lookbehind groups: written as Perl writes them.
        private bool TryOpenUnnamedGroup(int start, ReadOnlySpan<char> rest)
        {
            if (rest.StartsWith(":") || rest.StartsWith("=") || rest.StartsWith("!") || rest.StartsWith(">"))
            {
                PushGroup(pattern.Substring(start, 3));
                position += 3;
                return true;
            }

            if (rest.StartsWith("<=") || rest.StartsWith("<!"))
            {
                PushGroup(pattern.Substring(start, 4));
                position += 4;
                return true;
            }

            return false;
        }

        private static void RefuseBranchResetAndCode(int start, ReadOnlySpan<char> rest)
        {
            if (rest.StartsWith("|"))
            {
                throw Unsupported("branch reset (?|…)", start);
            }

            if (rest.StartsWith("{") || rest.StartsWith("?{"))
            {
                throw Invalid("embedded code (?{…})", start);
            }
        }

        private static bool IsReferenceOrRecursion(ReadOnlySpan<char> rest) =>
            rest.StartsWith("P=") || rest.StartsWith("P>") || rest.StartsWith("&") || rest.StartsWith("R)")
            || (rest.Length > 0 && (char.IsAsciiDigit(rest[0]) || ((rest[0] == '+' || rest[0] == '-') && rest.Length > 1 && char.IsAsciiDigit(rest[1]))));

        // (?P=name) is a backreference; every other form here recurses, which .NET cannot.
        private void PythonBackreferenceOrRecursion(int start, ReadOnlySpan<char> rest)
        {
            if (!rest.StartsWith("P="))
            {
                throw Unsupported("recursion or subroutine call", start);
            }

            var close = pattern.IndexOf(')', start);
            if (close < 0)
            {
                throw Invalid("unterminated (?P=name)", start);
            }

            lastAtomStart = output.Length;
            output.Append("\\k<").Append(pattern, start + 4, close - start - 4).Append('>');
            position = close + 1;
        }

        private void Conditional(int start)
        {
            var condition = ConditionByNumber.Match(pattern, start);
            if (condition.Success && condition.Index == start)
            {
                PushGroup($"(?({FirstSuccessful(condition)})");
                position += condition.Length;
                return;
            }

            if (pattern.AsSpan(start + 3).StartsWith("?"))
            {
                // A lookaround condition: open the conditional here, the lookaround parses as its own group.
                PushGroup("(?");
                position += 2;
                return;
            }

            throw Unsupported("conditional on recursion or DEFINE", start);
        }

        private void InlineModifiers(int start)
        {
            var i = start + 2;
            var on = new StringBuilder();
            var off = new StringBuilder();
            var negate = false;
            var xOn = false;
            var xOff = false;
            var caret = false;
            for (; i < pattern.Length && pattern[i] != ':' && pattern[i] != ')'; i++)
            {
                var m = pattern[i];
                switch (m)
                {
                    case '^' when i == start + 2:
                        caret = true;
                        break;
                    case '-' when !negate:
                        negate = true;
                        break;
                    case 'i' or 'm' or 's' or 'n':
                        (negate ? off : on).Append(m);
                        break;
                    case 'x':
                        if (negate)
                        {
                            xOff = true;
                        }
                        else
                        {
                            xOn = true;
                        }

                        break;
                    case 'a' or 'p':
                        break;
                    case 'u' or 'l' or 'd':
                        throw Unsupported($"charset modifier (?{m})", start);
                    default:
                        throw Invalid($"unknown group construct (?{m}", start);
                }
            }

            if (i >= pattern.Length)
            {
                throw Invalid("unterminated (? group", start);
            }

            if (caret)
            {
                // (?^…) resets to the defaults, then applies what follows the caret.
                TurnOffUnlisted(on, off);
                xOff = !xOn;
            }

            var flags = on.ToString() + (off.Length > 0 ? "-" + off : string.Empty);
            ApplyInlineModifiers(flags, xOn || (!xOff && extended), i);
        }

        private static void TurnOffUnlisted(StringBuilder on, StringBuilder off)
        {
            foreach (var m in "imsn")
            {
                if (on.ToString().IndexOf(m) < 0 && off.ToString().IndexOf(m) < 0)
                {
                    off.Append(m);
                }
            }
        }

        // "(?flags)" changes the rest of the enclosing group; "(?flags:" opens a group of its own.
        private void ApplyInlineModifiers(string flags, bool newExtended, int end)
        {
            if (pattern[end] == ')')
            {
                if (flags.Length > 0)
                {
                    output.Append("(?").Append(flags).Append(')');
                }

                extended = newExtended;
                lastAtomStart = -1;
                position = end + 1;
                return;
            }

            PushGroup(flags.Length > 0 ? $"(?{flags}:" : "(?:");
            extended = newExtended;
            position = end + 1;
        }

        private void PushGroup(string opening)
        {
            groups.Push(new GroupFrame(output.Length, extended));
            output.Append(opening);
            lastAtomStart = -1;
        }
    }
}
