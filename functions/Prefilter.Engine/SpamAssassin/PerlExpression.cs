using System.Globalization;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.SpamAssassin;

/// <summary>
/// The small Perl expression language SpamAssassin uses in <c>if</c> conditions and <c>meta</c> rules: lexed with its
/// <c>ARITH_EXPRESSION_LEXER</c>, evaluated with Perl's precedence.
/// </summary>
internal static class PerlExpression
{
    // Mail::SpamAssassin::Constants::ARITH_EXPRESSION_LEXER. Characters it does not match are dropped, as in SpamAssassin.
    private static readonly Regex Lexer = new(
        @"[\-\+\d\.]+|\w[\w\:]*|[\(\)]|\|\||&&|\^|!(?!=)|>=?|<=?|==|!=|[\+\-\*/]|[\?:]",
        RegexOptions.CultureInvariant);

    private static readonly Regex Number = new(@"^[+-]?\d+(?:\.\d+)?$", RegexOptions.CultureInvariant);

    /// <summary>Splits an expression into tokens.</summary>
    public static IReadOnlyList<string> Tokenize(string text) => Lexer.Matches(text).Select(m => m.Value).ToList();

    /// <summary>Evaluates tokens; <paramref name="identifier"/> gives the value of a bare word, or null when unknown.</summary>
    /// <exception cref="FormatException">On a syntax error, an unknown word or a division by zero.</exception>
    public static double Evaluate(
        IReadOnlyList<string> tokens,
        Func<string, double?> identifier,
        Func<string, string, double>? function = null)
    {
        var parser = new Parser(tokens, identifier, function);
        var value = parser.Expression(0);
        if (parser.Position < tokens.Count)
        {
            throw new FormatException($"unexpected '{tokens[parser.Position]}'");
        }

        return value;
    }

    public static bool IsNumber(string token) => Number.IsMatch(token);

    private sealed class Parser(IReadOnlyList<string> tokens, Func<string, double?> identifier, Func<string, string, double>? function)
    {
        public int Position { get; private set; }

        // Binding power of binary operators, lowest first, as in perlop.
        private static int Precedence(string op) => op switch
        {
            "?" => 1,
            "||" => 2,
            "&&" => 3,
            "^" => 4,
            "==" or "!=" => 5,
            "<" or ">" or "<=" or ">=" => 6,
            "+" or "-" => 7,
            "*" or "/" => 8,
            _ => -1,
        };

        public double Expression(int minPrecedence)
        {
            var left = Unary();
            while (Position < tokens.Count)
            {
                var op = tokens[Position];
                var precedence = Precedence(op);
                if (precedence < 0 || precedence < minPrecedence)
                {
                    break;
                }

                Position++;
                if (op == "?")
                {
                    var whenTrue = Expression(0);
                    Expect(":");
                    var whenFalse = Expression(1);
                    left = left != 0 ? whenTrue : whenFalse;
                    continue;
                }

                var right = Expression(precedence + 1);
                left = Apply(op, left, right);
            }

            return left;
        }

        private static double Apply(string op, double left, double right) => op switch
        {
            "||" => left != 0 ? left : right,
            "&&" => left != 0 ? right : left,
            "^" => (long)left ^ (long)right,
            "==" => left == right ? 1 : 0,
            "!=" => left != right ? 1 : 0,
            "<" => left < right ? 1 : 0,
            ">" => left > right ? 1 : 0,
            "<=" => left <= right ? 1 : 0,
            ">=" => left >= right ? 1 : 0,
            "+" => left + right,
            "-" => left - right,
            "*" => left * right,
            "/" => right == 0 ? throw new FormatException("division by zero possible") : left / right,
            _ => throw new FormatException($"unknown operator '{op}'"),
        };

        private double Unary()
        {
            var token = Next();
            switch (token)
            {
                case "!":
                    return Unary() == 0 ? 1 : 0;
                case "-":
                    return -Unary();
                case "+":
                    return Unary();
                case "(":
                    var inner = Expression(0);
                    Expect(")");
                    return inner;
            }

            if (IsNumber(token))
            {
                return double.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture);
            }

            if (function is not null && Position < tokens.Count && tokens[Position] == "(")
            {
                Position++;
                var argument = Next();
                Expect(")");
                return function(token, argument);
            }

            return identifier(token) ?? throw new FormatException($"unknown word '{token}'");
        }

        private string Next() =>
            Position < tokens.Count ? tokens[Position++] : throw new FormatException("expression ends too early");

        private void Expect(string token)
        {
            if (Next() != token)
            {
                throw new FormatException($"'{token}' expected");
            }
        }
    }
}
