using System.Text.Json;
using Google.Protobuf;
using Prefilter.DevServices.FunctionsHost.Rpc;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>The trigger data the host's extensions put into an invocation, built the way each extension builds it.</summary>
internal static class BindingData
{
    /// <summary>The blob extension's name as the source of its model-binding data (the worker's converter checks it).</summary>
    public const string BlobExtensionSource = "AzureStorageBlobs";

    /// <summary>
    /// A blob as the blob extension hands it to an isolated worker that binds an SDK type (the binding says
    /// <c>supportsDeferredBinding</c>): not the content but model-binding data naming the connection setting, the
    /// container and the blob, from which the worker's converter builds the <c>BlobClient</c> itself.
    /// </summary>
    public static TypedData Blob(string connection, string containerName, string blobName) =>
        new()
        {
            ModelBindingData = new ModelBindingData
            {
                Version = "1.0",
                Source = BlobExtensionSource,
                ContentType = "application/json",
                Content = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(new { Connection = connection, ContainerName = containerName, BlobName = blobName })),
            },
        };

    /// <summary>
    /// The timer extension's payload (its <c>TimerInfo</c> as JSON). The schedule status, which the extension keeps
    /// in storage to tell a missed run, is left out: the stand-in fires a timer only when asked to.
    /// </summary>
    public static TypedData Timer(bool isPastDue) =>
        new() { Json = JsonSerializer.Serialize(new { Schedule = new { AdjustForDST = true }, IsPastDue = isPastDue }) };

    /// <summary>The queue extension's name as the source of its model-binding data (the worker's converter checks it).</summary>
    public const string QueueExtensionSource = "AzureStorageQueues";

    /// <summary>
    /// A queue message as the queue extension hands it to an isolated worker that binds <c>QueueMessage</c> (deferred
    /// binding): the message serialized as JSON with the SDK's member names, its text already decoded.
    /// </summary>
    public static TypedData QueueMessage(Azure.Storage.Queues.Models.QueueMessage message) =>
        new()
        {
            ModelBindingData = new ModelBindingData
            {
                Version = "1.0",
                Source = QueueExtensionSource,
                ContentType = "application/json",
                Content = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(new
                {
                    message.MessageId,
                    message.PopReceipt,
                    message.MessageText,
                    message.DequeueCount,
                    message.NextVisibleOn,
                    message.InsertedOn,
                    message.ExpiresOn,
                })),
            },
        };

    /// <summary>The trigger metadata the queue extension sends beside a message (binding expressions read it).</summary>
    public static Dictionary<string, TypedData> QueueMetadata(Azure.Storage.Queues.Models.QueueMessage message) =>
        new(StringComparer.Ordinal)
        {
            ["QueueTrigger"] = Text(message.MessageText),
            ["Id"] = Text(message.MessageId),
            ["PopReceipt"] = Text(message.PopReceipt),
            ["DequeueCount"] = new TypedData { Json = JsonSerializer.Serialize(message.DequeueCount) },
            ["InsertionTime"] = new TypedData { Json = JsonSerializer.Serialize(message.InsertedOn) },
            ["ExpirationTime"] = new TypedData { Json = JsonSerializer.Serialize(message.ExpiresOn) },
            ["NextVisibleTime"] = new TypedData { Json = JsonSerializer.Serialize(message.NextVisibleOn) },
        };

    /// <summary>A string value of trigger metadata.</summary>
    public static TypedData Text(string value) => new() { String = value };
}
