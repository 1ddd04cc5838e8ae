using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// An entity's management node (<c>{queue}/$management</c>): renew-lock, schedule-message,
/// cancel-scheduled-message, peek-message and update-disposition, answered with <c>statusCode</c>.
/// </summary>
internal sealed class ManagementRequestProcessor : IRequestProcessor
{
    private readonly DevBrokerCore core;
    private readonly DevQueue queue;

    public ManagementRequestProcessor(DevBrokerCore core, DevQueue queue)
    {
        this.core = core;
        this.queue = queue;
    }

    public int Credit => 100;

    public void Process(RequestContext requestContext)
    {
        if (requestContext.ResponseLink is null)
        {
            return;
        }

        Message response;
        try
        {
            var operation = requestContext.Message.ApplicationProperties?["operation"] as string;
            var body = requestContext.Message.Body as Map ?? new Map();
            response = operation switch
            {
                "com.microsoft:renew-lock" => RenewLock(body),
                "com.microsoft:schedule-message" => Schedule(body),
                "com.microsoft:cancel-scheduled-message" => CancelScheduled(body),
                "com.microsoft:peek-message" => Peek(body),
                "com.microsoft:update-disposition" => UpdateDisposition(body),
                _ => Failure(501, ErrorCode.NotImplemented, $"Operation '{operation}' is not served by the dev broker."),
            };
        }
        catch (AmqpException exception)
        {
            response = Failure(400, exception.Error.Condition, exception.Error.Description);
        }
        catch (Exception exception) when (exception is InvalidCastException or KeyNotFoundException or ArgumentException)
        {
            response = Failure(400, ErrorCode.DecodeError, $"Malformed request: {exception.Message}");
        }

        requestContext.Complete(response);
    }

    private Message RenewLock(Map body)
    {
        var lockTokens = (Guid[])body["lock-tokens"];
        return core.RenewLocks(queue, lockTokens) is { } expirations
            ? Success(new Map { ["expirations"] = expirations })
            : LockLost();
    }

    private Message Schedule(Map body)
    {
        var entries = (List)body["messages"];
        var encoded = entries.Cast<Map>().Select(entry => (byte[])entry["message"]).ToList();
        var sequenceNumbers = core.Accept(queue, encoded);
        return Success(new Map { ["sequence-numbers"] = sequenceNumbers.ToArray() });
    }

    private Message CancelScheduled(Map body)
    {
        var missing = core.CancelScheduled(queue, (long[])body["sequence-numbers"]);
        return missing.Count == 0
            ? Success(new Map())
            : Failure(404, AmqpMessages.MessageNotFound, $"No scheduled message with sequence number {string.Join(", ", missing)} in '{queue.Path}'.");
    }

    private Message Peek(Map body)
    {
        var from = Convert.ToInt64(body["from-sequence-number"], System.Globalization.CultureInfo.InvariantCulture);
        var count = Convert.ToInt32(body["message-count"], System.Globalization.CultureInfo.InvariantCulture);
        var messages = core.Peek(queue, from, count);
        if (messages.Count == 0)
        {
            return Status(204, "No messages to peek.");
        }

        var list = new List();
        foreach (var encoded in messages)
        {
            list.Add(new Map { ["message"] = encoded });
        }

        return Success(new Map { ["messages"] = list });
    }

    private Message UpdateDisposition(Map body)
    {
        var status = (string)body["disposition-status"];
        var edits = body["properties-to-modify"] is Map properties
            ? properties.Select(pair => new KeyValuePair<string, object?>($"{pair.Key}", pair.Value)).ToList()
            : [];
        foreach (var lockToken in (Guid[])body["lock-tokens"])
        {
            if (!core.SettleByStatus(queue, lockToken, status, body["deadletter-reason"] as string, body["deadletter-description"] as string, edits))
            {
                return LockLost();
            }
        }

        return Success(new Map());
    }

    private static Message Success(Map body) => new(body) { ApplicationProperties = StatusProperties(200, "OK") };

    private static Message Status(int statusCode, string description) =>
        new() { ApplicationProperties = StatusProperties(statusCode, description) };

    private static Message LockLost() =>
        Failure(410, AmqpMessages.MessageLockLost, "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.");

    private static Message Failure(int statusCode, Symbol condition, string description)
    {
        var properties = StatusProperties(statusCode, description);
        properties["errorCondition"] = condition;
        return new Message { ApplicationProperties = properties };
    }

    private static ApplicationProperties StatusProperties(int statusCode, string description) => new()
    {
        ["statusCode"] = statusCode,
        ["statusDescription"] = description,
    };
}
