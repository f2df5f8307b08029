using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Avro;
using Avro.Generic;
using Avro.IO;
using ContactBridge.Salesforce.PubSub.Protocol;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace ContactBridge.Salesforce.PubSub;

/// <summary>An event as a subscriber reads it: its replay id (opaque bytes) and its payload, decoded under its schema.</summary>
public sealed record ReceivedEvent(byte[] ReplayId, string SchemaId, GenericRecord Payload);

/// <summary>
/// What one response of a subscription brought: its events (possibly none: a keep-alive) and the topic's latest replay id, which a
/// subscriber stores to resume after it even when nothing of its own came.
/// </summary>
public sealed record ReceivedBatch(IReadOnlyList<ReceivedEvent> Events, byte[] LatestReplayId);

/// <summary>A call the Pub/Sub API refused: its gRPC status and Salesforce's error code (the error-code trailer).</summary>
public sealed class PubSubException(StatusCode status, string? errorCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public StatusCode Status { get; } = status;
    public string? ErrorCode { get; } = errorCode;

    /// <summary>The access token was refused: a fresh one may do.</summary>
    public bool IsAuthError => ErrorCode?.EndsWith(".auth.error", StringComparison.Ordinal) == true || Status == StatusCode.Unauthenticated;

    /// <summary>The replay id is unknown or past the 72 hours events are kept: what it stood for must be read again.</summary>
    public bool IsReplayGone => ErrorCode?.Contains("replayid", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The topic does not exist or may not be read (Change Data Capture not enabled for the entity, no permission).</summary>
    public bool IsRefused => Status is StatusCode.NotFound or StatusCode.PermissionDenied;

    /// <summary>The service could not be reached or ended the stream (network, restart): worth trying again after a pause.</summary>
    public bool IsTransient => Status is StatusCode.Unavailable or StatusCode.Internal or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted
        or StatusCode.Cancelled or StatusCode.Unknown;

    internal static PubSubException From(RpcException e) =>
        new(e.StatusCode, e.Trailers.GetValue("error-code"), $"The Pub/Sub API refused the call ({e.StatusCode}{(e.Trailers.GetValue("error-code") is { } code ? ", " + code : "")}): {e.Status.Detail}", e);
}

/// <summary>Who subscribes: an access token of the org, its instance URL and its org id (the three headers of every call).</summary>
public sealed record PubSubCredentials(string AccessToken, string InstanceUrl, string OrgId);

/// <summary>
/// A connection to Salesforce's Pub/Sub API (gRPC over HTTP/2 and TLS, api.pubsub.salesforce.com:7443): topics, schemas (each
/// fetched once and kept) and subscriptions that ask for events only as they are handled. One per endpoint; calls carry their
/// caller's credentials, so one connection serves every org.
/// </summary>
public sealed class PubSubConnection : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Protocol.PubSub.PubSubClient _client;
    private readonly ConcurrentDictionary<string, RecordSchema> _schemas = new(StringComparer.Ordinal);

    /// <param name="endpoint">The service's address (https://api.pubsub.salesforce.com:7443).</param>
    /// <param name="trustedCertificate">
    /// A certificate to trust as the service's own, beside the machine's certificate authorities: an emulator's self-signed one.
    /// </param>
    public PubSubConnection(Uri endpoint, X509Certificate2? trustedCertificate = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var handler = new SocketsHttpHandler
        {
            // The stream stays open for hours: pings keep idle connections (and what sits between) from dropping it.
            KeepAlivePingDelay = TimeSpan.FromSeconds(60), KeepAlivePingTimeout = TimeSpan.FromSeconds(30), EnableMultipleHttp2Connections = true,
        };
        if (trustedCertificate is not null)
        {
            var pinned = trustedCertificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || certificate?.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256) == pinned;
        }
        _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 16 * 1024 * 1024 });
        _client = new Protocol.PubSub.PubSubClient(_channel);
    }

    private static Metadata Headers(PubSubCredentials who) => new()
    {
        { "accesstoken", who.AccessToken }, { "instanceurl", who.InstanceUrl }, { "tenantid", who.OrgId },
    };

    /// <summary>Whether the topic exists and may be read, and its current schema id.</summary>
    public async Task<TopicInfo> TopicAsync(PubSubCredentials who, string topic, CancellationToken ct)
    {
        try
        {
            return await _client.GetTopicAsync(new TopicRequest { TopicName = topic }, Headers(who), cancellationToken: ct);
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            throw PubSubException.From(e);
        }
    }

    /// <summary>A schema by its id, fetched once: an event names its schema, and a changed schema has a new id.</summary>
    public async Task<RecordSchema> SchemaAsync(PubSubCredentials who, string schemaId, CancellationToken ct)
    {
        if (_schemas.TryGetValue(schemaId, out var known)) return known;
        try
        {
            var info = await _client.GetSchemaAsync(new SchemaRequest { SchemaId = schemaId }, Headers(who), cancellationToken: ct);
            return _schemas.GetOrAdd(schemaId, Schema.Parse(info.SchemaJson) as RecordSchema
                ?? throw new PubSubException(StatusCode.Internal, null, $"Schema {schemaId} is not an Avro record schema."));
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            throw PubSubException.From(e);
        }
    }

    /// <summary>
    /// Reads a topic from after <paramref name="replayId"/> (or from the newest event when null), asking for at most
    /// <paramref name="batchSize"/> events at a time and for more only once those are handled (the caller's next MoveNext).
    /// Yields every response, keep-alives included. Ends with a <see cref="PubSubException"/> when the service refuses or drops it.
    /// </summary>
    /// <param name="requested">Told once the first request is sent: the service reads the topic from there on.</param>
    public async IAsyncEnumerable<ReceivedBatch> SubscribeAsync(Func<CancellationToken, Task<PubSubCredentials>> credentials, string topic, byte[]? replayId,
        int batchSize, Action? requested, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var who = await credentials(ct);
        using var call = _client.Subscribe(Headers(who), cancellationToken: ct);
        var first = new FetchRequest { TopicName = topic, NumRequested = batchSize, ReplayPreset = replayId is null ? ReplayPreset.Latest : ReplayPreset.Custom };
        if (replayId is not null) first.ReplayId = ByteString.CopyFrom(replayId);
        await Guard(() => call.RequestStream.WriteAsync(first, ct), ct);
        requested?.Invoke();
        var pending = batchSize;
        while (true)
        {
            var more = await Guard(() => call.ResponseStream.MoveNext(ct), ct);
            if (!more) throw new PubSubException(StatusCode.Unavailable, null, $"The Pub/Sub API ended the subscription to {topic}.");
            var response = call.ResponseStream.Current;
            var events = new List<ReceivedEvent>(response.Events.Count);
            foreach (var e in response.Events)
            {
                var schema = await SchemaAsync(who, e.Event.SchemaId, ct);
                events.Add(new ReceivedEvent(e.ReplayId.ToByteArray(), e.Event.SchemaId, Decode(schema, e.Event.Payload)));
            }
            pending = response.PendingNumRequested;
            yield return new ReceivedBatch(events, response.LatestReplayId.ToByteArray());
            // Handled: ask for as many more as were delivered, so the service never sends more than the subscriber can take.
            if (pending <= batchSize / 2)
            {
                var fresh = await credentials(ct);
                var request = new FetchRequest { TopicName = topic, NumRequested = batchSize - pending };
                if (fresh.AccessToken != who.AccessToken) (request.AuthRefresh, who) = (fresh.AccessToken, fresh);
                await Guard(() => call.RequestStream.WriteAsync(request, ct), ct);
                pending = batchSize;
            }
        }
    }

    private static GenericRecord Decode(RecordSchema schema, ByteString payload)
    {
        try
        {
            return new GenericDatumReader<GenericRecord>(schema, schema).Read(null!, new BinaryDecoder(new MemoryStream(payload.ToByteArray(), writable: false)));
        }
        catch (Exception e) when (e is AvroException or EndOfStreamException or InvalidCastException or ArgumentException)
        {
            throw new PubSubException(StatusCode.DataLoss, null, $"An event could not be read under its schema {schema.Fullname}: {e.Message}", e);
        }
    }

    private static async Task<T> Guard<T>(Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call();
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            throw PubSubException.From(e);
        }
    }

    private static async Task Guard(Func<Task> call, CancellationToken ct)
    {
        try
        {
            await call();
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            throw PubSubException.From(e);
        }
    }

    public void Dispose() => _channel.Dispose();
}
