using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ContactBridge.ContactCenterEmulator.Control;
using ContactBridge.ContactCenterEmulator.Signing;

namespace ContactBridge.ContactCenterEmulator.Events;

/// <summary>
/// Sends one tenant's events to the hub, in order, in batches. A batch the hub could not take now (no connection,
/// timeout, 408, 429, 5xx) is sent again after a growing pause, for as long as the emulator runs; a batch the hub
/// refuses for what it is (another 4xx) is recorded as rejected so that a test can see it, and delivery goes on.
/// </summary>
internal sealed class EventDelivery(EventLog log, Uri hubEventsUrl, string eventSecret, HttpClient http, Faults faults, TimeProvider clock)
{
    public const int MaxBatch = 200;
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public async Task RunAsync(CancellationToken stopping)
    {
        var backoff = FirstBackoff;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await log.WaitForWorkAsync(stopping);
                while (!faults.EventDeliveryPaused)
                {
                    var batch = log.PeekBatch(MaxBatch);
                    if (batch.Count == 0) break;
                    var (outcome, detail) = await PostAsync(batch, stopping);
                    switch (outcome)
                    {
                        case Outcome.Delivered:
                            log.Delivered(batch.Count);
                            backoff = FirstBackoff;
                            break;
                        case Outcome.Rejected:
                            log.Rejected(batch.Count, detail);
                            backoff = FirstBackoff;
                            break;
                        default:
                            log.Failed(detail);
                            await Task.Delay(backoff, clock, stopping);
                            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                            break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: what is still pending stays in the log.
        }
    }

    private enum Outcome { Delivered, Retry, Rejected }

    private async Task<(Outcome, string)> PostAsync(IReadOnlyList<LoggedEvent> batch, CancellationToken stopping)
    {
        var body = Encoding.UTF8.GetBytes("[" + string.Join(",", batch.Select(e => e.Json)) + "]");
        using var request = new HttpRequestMessage(HttpMethod.Post, hubEventsUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents-batch+json");
        request.Headers.TryAddWithoutValidation(Signature.Header, Signature.Sign(eventSecret, body, clock.GetUtcNow()));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return (Outcome.Delivered, "");
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            var detail = $"{status} {response.ReasonPhrase}: {(text.Length > 4000 ? text[..4000] + "…" : text)}";
            if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || status >= 500) return (Outcome.Retry, detail);
            return (Outcome.Rejected, detail);
        }
        catch (HttpRequestException e)
        {
            return (Outcome.Retry, $"{hubEventsUrl}: {e.Message}");
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return (Outcome.Retry, $"{hubEventsUrl}: no answer within {RequestTimeout.TotalSeconds:0} s.");
        }
    }
}
