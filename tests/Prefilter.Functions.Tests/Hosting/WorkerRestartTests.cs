using Prefilter.DevServices.Smtp;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Functions.Tests.Hosting;

/// <summary>
/// A worker that dies with work in flight (an instance recycled, a crash) loses nothing: what it had not finished is
/// still owned by the queue or the blob, and the next worker finishes it exactly once.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class WorkerRestartTests(FunctionsHostFixture fixture)
{
    [Fact]
    public async Task A_worker_killed_while_relaying_a_mail_leaves_it_to_the_next_worker_which_delivers_it_once()
    {
        var recipient = FunctionsHostFixture.NewRecipient();
        var hold = fixture.Downstream.Script.Hold(SmtpStage.Data);
        try
        {
            var stored = await fixture.StoreMailAsync(recipient, "Relayed by the second worker.");
            Assert.Single(await fixture.Host.DeliverBlobCreatedAsync(PipelineContainers.IncomingName, stored.Name), outcome => outcome.Succeeded);
            await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));

            // The downstream has the data but has not answered: the mail is neither delivered nor settled.
            await fixture.Host.KillWorkerAsync();
            hold.Release(SmtpReply.TransactionAborted);
            Assert.Equal(MailOutcome.Scanned, (await fixture.Mails.GetInfoAsync(stored.Name)).Outcome);

            await fixture.Host.StartWorkerAsync();

            Assert.Equal([recipient], (await fixture.WaitForDeliveryAsync(recipient)).Recipients);
            Assert.Equal(MailOutcome.Delivered, (await fixture.WaitForOutcomeAsync(stored.Name)).Outcome);
            Assert.Single(fixture.Downstream.Messages, message => message.Recipients.Contains(recipient));
        }
        finally
        {
            hold.Release(SmtpReply.TransactionAborted);
            await EnsureWorkerAsync();
        }
    }

    [Fact]
    public async Task A_worker_killed_mid_request_gives_no_receipt_and_the_clients_retry_is_delivered_once()
    {
        var recipient = FunctionsHostFixture.NewRecipient();
        var mail = FunctionsHostFixture.Mail(recipient, "Posted twice, delivered once.").ToArray();
        var content = new WithheldContent(mail[..(mail.Length / 2)]);
        try
        {
            var posting = fixture.Host.SendAsync(PostMail(recipient, content));
            await content.FirstPartSent.WaitAsync(TimeSpan.FromMinutes(2));

            // The worker has the request and the invocation, and waits for the rest of the body.
            await fixture.Host.KillWorkerAsync();

            var error = await Assert.ThrowsAsync<DevServices.FunctionsHost.FunctionsHostException>(() => posting);
            Assert.Contains("HttpIngest", error.Message, StringComparison.Ordinal);

            await fixture.Host.StartWorkerAsync();
            using var retry = await fixture.Host.SendAsync(PostMail(recipient, new ByteArrayContent(mail)));
            Assert.Equal(System.Net.HttpStatusCode.Accepted, retry.StatusCode);
            var blob = System.Text.Json.JsonDocument.Parse(await retry.Content.ReadAsStringAsync()).RootElement.GetProperty("blob").GetString()!;
            Assert.Single(await fixture.Host.DeliverBlobCreatedAsync(PipelineContainers.IncomingName, blob), outcome => outcome.Succeeded);

            Assert.Equal([recipient], (await fixture.WaitForDeliveryAsync(recipient)).Recipients);
            Assert.Single(fixture.Downstream.Messages, message => message.Recipients.Contains(recipient));
        }
        finally
        {
            content.Finish();
            await EnsureWorkerAsync();
        }
    }

    private static HttpRequestMessage PostMail(string recipient, HttpContent content)
    {
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("message/rfc822");
        return new HttpRequestMessage(HttpMethod.Post, $"/api/mail?from=sender@fabrikam.example&to={recipient}") { Content = content };
    }

    private async Task EnsureWorkerAsync()
    {
        if (!fixture.Host.IsWorkerRunning)
        {
            await fixture.Host.StartWorkerAsync();
        }
    }

    /// <summary>A request body that sends its first part and then waits, as a slow client does.</summary>
    private sealed class WithheldContent(byte[] firstPart) : HttpContent
    {
        private readonly TaskCompletionSource sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource finish = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task FirstPartSent => sent.Task;

        public void Finish() => finish.TrySetResult();

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(firstPart, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            sent.TrySetResult();
            await finish.Task.WaitAsync(cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
