using System.Text.Json;
using System.Text.Json.Serialization;

namespace Prefilter.Pipeline.Patterns;

/// <summary>
/// Writes a <see cref="ReleaseAction"/> as its word and reads the words written before the enum existed, whatever
/// enum policy the serializer options carry (the API's options name enums in camelCase, which would split the words).
/// </summary>
public sealed class ReleaseActionJsonConverter : JsonConverter<ReleaseAction>
{
    /// <inheritdoc />
    /// <exception cref="JsonException">The value is not a string naming an action.</exception>
    public override ReleaseAction Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && ReleaseActionWords.TryParse(reader.GetString(), out var action)
            ? action.Value
            : throw new JsonException($"'{(reader.TokenType == JsonTokenType.String ? reader.GetString() : reader.TokenType.ToString())}' is not a release action");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, ReleaseAction value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToWord());
    }
}
