using System.Text;
using System.Text.RegularExpressions;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// A blob trigger's <c>path</c> (<c>container/name-pattern</c>, e.g. <c>patterns/uploads/{name}</c>): which blobs
/// fire the function, and the values of its <c>{…}</c> parameters for a blob that does.
/// </summary>
internal sealed class BlobTriggerPath
{
    private readonly Regex namePattern;

    private BlobTriggerPath(string containerName, Regex namePattern)
    {
        ContainerName = containerName;
        this.namePattern = namePattern;
    }

    /// <summary>The container the trigger watches.</summary>
    public string ContainerName { get; }

    /// <summary>Parses a path.</summary>
    /// <exception cref="FormatException">No container part.</exception>
    public static BlobTriggerPath Parse(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw new FormatException($"blob trigger path '{path}' has no container part");
        }

        var regex = new StringBuilder("^");
        foreach (Match part in Regex.Matches(path[(slash + 1)..], @"\{(?<parameter>[^}]+)\}|[^{]+"))
        {
            regex.Append(part.Groups["parameter"].Success ? $"(?<{part.Groups["parameter"].Value}>.+)" : Regex.Escape(part.Value));
        }

        return new BlobTriggerPath(path[..slash], new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant));
    }

    /// <summary>The parameter values when the blob fires this trigger, else null.</summary>
    /// <param name="containerName">The blob's container.</param>
    /// <param name="blobName">The blob's name in it.</param>
    public IReadOnlyDictionary<string, string>? Match(string containerName, string blobName)
    {
        if (!string.Equals(containerName, ContainerName, StringComparison.Ordinal))
        {
            return null;
        }

        var match = namePattern.Match(blobName);
        return match.Success
            ? match.Groups.Cast<Group>().Where(group => group.Name != "0").ToDictionary(group => group.Name, group => group.Value, StringComparer.Ordinal)
            : null;
    }
}
