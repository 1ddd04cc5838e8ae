using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Prefilter.Infra.Tests;

/// <summary>
/// Rooms a newcomer can walk: no source file under <c>functions/</c> over <see cref="MaxFileLines"/> lines and no
/// method, constructor, accessor or local function over <see cref="MaxMethodLines"/> lines, measured on the syntax
/// tree from the opening to the closing line of the member.
/// </summary>
public sealed class SourceShapeTests
{
    private const int MaxFileLines = 600;
    private const int MaxMethodLines = 80;

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "functions"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [Fact]
    public void No_source_file_is_over_the_line_limit()
    {
        var tooLong = SourceFiles()
            .Select(path => (Path: Relative(path), Lines: File.ReadAllLines(path).Length))
            .Where(file => file.Lines > MaxFileLines)
            .Select(file => $"{file.Path}: {file.Lines} lines")
            .ToList();

        Assert.True(tooLong.Count == 0, $"files over {MaxFileLines} lines:\n" + string.Join("\n", tooLong));
    }

    [Fact]
    public void No_method_is_over_the_line_limit()
    {
        var tooLong = SourceFiles()
            .SelectMany(path => LongMembers(File.ReadAllText(path), MaxMethodLines).Select(member => $"{Relative(path)}: {member}"))
            .ToList();

        Assert.True(tooLong.Count == 0, $"methods over {MaxMethodLines} lines:\n" + string.Join("\n", tooLong));
    }

    [Fact]
    public void The_method_measure_counts_every_kind_of_body()
    {
        // The limit test is only as good as its measure: a long method, constructor, accessor and local function
        // must each be found, and a short one not.
        var body = string.Concat(Enumerable.Repeat("        x++;\n", 5));
        var source = $$"""
            class C
            {
                int x;
                C() { {{body}} }
                void M() { {{body}} }
                int P { get { {{body}} return x; } }
                void Outer() { void Local() { {{body}} } }
                void Short() { x++; }
            }
            """;

        var found = LongMembers(source, 4).Select(member => member.Split(' ')[0]).ToList();

        Assert.Equal(["C()", "M()", "get", "Outer()", "Local()"], found);
    }

    private static IEnumerable<string> LongMembers(string source, int maxLines)
    {
        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        foreach (var node in root.DescendantNodes())
        {
            var name = node switch
            {
                BaseMethodDeclarationSyntax method when method.Body is not null || method.ExpressionBody is not null => Name(method),
                AccessorDeclarationSyntax accessor when accessor.Body is not null => accessor.Keyword.Text,
                LocalFunctionStatementSyntax local => local.Identifier.Text + "()",
                _ => null,
            };
            if (name is null)
            {
                continue;
            }

            var span = node.GetLocation().GetLineSpan();
            var lines = span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
            if (lines > maxLines)
            {
                yield return $"{name} line {span.StartLinePosition.Line + 1}, {lines} lines";
            }
        }
    }

    private static string Name(BaseMethodDeclarationSyntax method) => method switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text + "()",
        ConstructorDeclarationSyntax c => c.Identifier.Text + "()",
        OperatorDeclarationSyntax o => "operator " + o.OperatorToken.Text,
        _ => method.Kind().ToString(),
    };

    private static string Relative(string path) => Path.GetRelativePath(RepositoryRoot.Path, path);
}
