using System.Buffers.Binary;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.Events;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Org;
using ContactBridge.Salesforce.PubSub.Protocol;
using Google.Protobuf;
using Grpc.Core;

namespace ContactBridge.Emulator.PubSub;

/// <summary>
/// The Pub/Sub API (gRPC, service eventbus.v1.PubSub) over the org's event bus, served on the emulator's https port (HTTP/2 over
/// TLS, as Salesforce's api.pubsub.salesforce.com:7443): GetTopic, GetSchema, Subscribe (pull: events only as the client asks for
/// them, at most 100 owed; LATEST, EARLIEST or CUSTOM after a replay id; an empty response with the latest replay id while nothing
/// comes), Publish and PublishStream for platform events. Every call carries the accesstoken, instanceurl and tenantid headers.
/// Replay ids are the bus's, 8 bytes big-endian; errors carry Salesforce's code in the error-code trailer.
/// </summary>
public sealed class PubSubService(EmulatorState state, ILogger<PubSubService> logger) : ContactBridge.Salesforce.PubSub.Protocol.PubSub.PubSubBase
{
    public const int MaxRequested = 100;
    public const string AuthError = "sfdc.platform.eventbus.grpc.service.auth.error";
    public const string ReplayIdCorrupted = "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted";
    public const string TopicNotFound = "sfdc.platform.eventbus.grpc.topic.not.found";
    public const string InvalidRequest = "sfdc.platform.eventbus.grpc.fetch.request.invalid";
    public const string SchemaNotFound = "sfdc.platform.eventbus.grpc.schema.not.found";
    public const string InternalError = "sfdc.platform.eventbus.grpc.service.internal";

    public static ByteString ReplayBytes(long replayId)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, replayId);
        return ByteString.CopyFrom(bytes);
    }

    private static RpcException Failure(StatusCode code, string errorCode, string message)
    {
        var rpcId = Guid.NewGuid().ToString();
        return new RpcException(new Status(code, $"{message} rpcId: {rpcId}"), new Metadata { { "error-code", errorCode }, { "rpc-id", rpcId } });
    }

    /// <summary>The caller's org and grant: a live access token (accesstoken), its org's id (tenantid, 15 or 18 characters) and an instance URL (instanceurl).</summary>
    private SalesforceOrg Authenticate(ServerCallContext context) => Caller(context).Org;

    private (SalesforceOrg Org, AccessGrant Grant) Caller(ServerCallContext context)
    {
        string? Header(string key) => context.RequestHeaders.GetValue(key);
        var grant = OAuthEndpoints.GrantOf(Header("accesstoken"), state)
                    ?? throw Failure(StatusCode.Unauthenticated, AuthError, "The accesstoken header has no live access token: send one the org issued (OAuth or a session id).");
        var org = state.FindOrg(grant.OrgKey)!;
        var tenant = Header("tenantid") ?? "";
        if (tenant.Length is not (15 or 18) || !string.Equals(tenant[..15], org.Id[..15], StringComparison.Ordinal))
            throw Failure(StatusCode.Unauthenticated, AuthError, "The tenantid header must be the id of the access token's org.");
        if (!Uri.TryCreate(Header("instanceurl"), UriKind.Absolute, out _))
            throw Failure(StatusCode.Unauthenticated, AuthError, "The instanceurl header must be an absolute URL: the org's instance URL.");
        // The request log names the caller's org and user, as it does for REST calls.
        if (context.GetHttpContext() is { } http)
        {
            http.Items[EmulatorMiddleware.LogOrgKey] = grant.OrgKey;
            http.Items[EmulatorMiddleware.LogUserKey] = grant.UserId;
            http.Items[EmulatorMiddleware.LogClientKey] = grant.ClientId;
        }
        return (org, grant);
    }

    private static EventSchemas.Built? SchemaOf(SalesforceOrg org, string topic)
    {
        lock (org.Sync) return EventSchemas.For(org, topic);
    }

    private static bool Exists(SalesforceOrg org, string topic) => topic == EventSchemas.AllChangeEvents || SchemaOf(org, topic) is not null;

    public override Task<TopicInfo> GetTopic(TopicRequest request, ServerCallContext context)
    {
        var org = Authenticate(context);
        var schema = SchemaOf(org, request.TopicName);
        if (schema is null && request.TopicName != EventSchemas.AllChangeEvents)
            throw Failure(StatusCode.NotFound, TopicNotFound, $"There is no topic {request.TopicName}: a platform event (/event/Name__e) or the change events of an entity selected for Change Data Capture (/data/ContactChangeEvent).");
        return Task.FromResult(new TopicInfo
        {
            TopicName = request.TopicName, TenantGuid = org.Id, CanSubscribe = true, CanPublish = schema is { IsChange: false }, SchemaId = schema?.Id ?? "",
            RpcId = Guid.NewGuid().ToString(),
        });
    }

    public override Task<SchemaInfo> GetSchema(SchemaRequest request, ServerCallContext context)
    {
        var org = Authenticate(context);
        EventSchemas.Built? built;
        lock (org.Sync) built = EventSchemas.Find(org, request.SchemaId);
        if (built is null) throw Failure(StatusCode.NotFound, SchemaNotFound, $"The org has no schema {request.SchemaId}: ask GetTopic for a topic's current one.");
        return Task.FromResult(new SchemaInfo { SchemaId = built.Id, SchemaJson = built.Json, RpcId = Guid.NewGuid().ToString() });
    }

    public override async Task Subscribe(IAsyncStreamReader<FetchRequest> requestStream, IServerStreamWriter<FetchResponse> responseStream, ServerCallContext context)
    {
        var org = Authenticate(context);
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct)) return;
        var first = requestStream.Current;
        var topic = first.TopicName;
        if (string.IsNullOrEmpty(topic)) throw Failure(StatusCode.InvalidArgument, InvalidRequest, "The first FetchRequest names the topic.");
        if (!Exists(org, topic)) throw Failure(StatusCode.NotFound, TopicNotFound, $"There is no topic {topic}.");
        long position;
        lock (org.Sync)
        {
            position = first.ReplayPreset switch
            {
                ReplayPreset.Earliest => 0,
                ReplayPreset.Custom => first.ReplayId.Length == 8 ? BinaryPrimitives.ReadInt64BigEndian(first.ReplayId.Span) : long.MinValue,
                _ => org.Events.LastReplayId,
            };
            if (first.ReplayPreset == ReplayPreset.Custom && (position < 0 || !org.Events.CanReplayFrom(position)))
                throw Failure(StatusCode.InvalidArgument, ReplayIdCorrupted,
                    "The replay id is not one this topic issued, or it is older than the 72 hours events are kept: subscribe with EARLIEST or LATEST.");
        }

        var owed = new Owed { Value = Math.Clamp(first.NumRequested, 0, MaxRequested) };
        // One pending wake-up is enough: the loop reads everything due each time it wakes.
        using var signal = new SemaphoreSlim(0, 1);
        void Wake()
        {
            try
            {
                if (signal.CurrentCount == 0) signal.Release();
            }
            catch (SemaphoreFullException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
        void Published(BusEvent e)
        {
            if (e.On(topic)) Wake();
        }
        var schemas = new Dictionary<string, EventSchemas.Built>(StringComparer.Ordinal);
        org.Events.Published += Published;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var requestsDone = false;
        // Later requests add to what is owed (at most 100); a topic other than the first is refused.
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await requestStream.MoveNext(stop.Token))
                {
                    var more = requestStream.Current;
                    if (more.TopicName.Length > 0 && more.TopicName != topic) throw Failure(StatusCode.InvalidArgument, InvalidRequest, $"This subscription is to {topic}, not {more.TopicName}.");
                    owed.Add(Math.Max(0, more.NumRequested));
                    Wake();
                }
                // The client closed its side: what it asked for is still delivered, then the stream ends.
                Volatile.Write(ref requestsDone, true);
                Wake();
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
        }, CancellationToken.None);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                // A token revoked or expired meanwhile ends the subscription, as it would end a new one.
                if (OAuthEndpoints.GrantOf(context.RequestHeaders.GetValue("accesstoken"), state) is null)
                    throw Failure(StatusCode.Unauthenticated, AuthError, "The access token expired or was revoked: subscribe again with a live one.");
                var wanted = owed.Value;
                if (wanted == 0 && Volatile.Read(ref requestsDone)) break;
                List<BusEvent> due;
                lock (org.Sync) due = wanted > 0 ? org.Events.After(topic, position).Take(wanted).ToList() : [];
                if (due.Count > 0)
                {
                    var response = new FetchResponse { RpcId = Guid.NewGuid().ToString(), LatestReplayId = ReplayBytes(due[^1].ReplayId) };
                    foreach (var e in due) response.Events.Add(Consumer(org, schemas, e, state.Faults.FireMalformedEvent(topic)));
                    position = due[^1].ReplayId;
                    response.PendingNumRequested = owed.Add(-due.Count);
                    await responseStream.WriteAsync(response, stop.Token);
                    continue;
                }
                if (await signal.WaitAsync(state.PubSubKeepAlive, stop.Token) || owed.Value == 0) continue;
                // Nothing came while events are owed: the latest replay id, read now, and only when nothing of the topic is due
                // (a client may resume from it).
                long latest;
                lock (org.Sync) latest = org.Events.After(topic, position).Count == 0 ? org.Events.LastReplayId : -1;
                if (latest < 0) continue;
                await responseStream.WriteAsync(new FetchResponse
                {
                    RpcId = Guid.NewGuid().ToString(), LatestReplayId = ReplayBytes(Math.Max(latest, position)), PendingNumRequested = owed.Value,
                }, stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException && ct.IsCancellationRequested)
        {
            // The client went away (or cancelled): the stream is over.
        }
        finally
        {
            org.Events.Published -= Published;
            await stop.CancelAsync();
            try
            {
                await reading;
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
            }
        }
    }

    /// <summary>How many events a subscription still owes its client: requests add (at most 100 in all), deliveries take.</summary>
    private sealed class Owed
    {
        private readonly Lock _sync = new();
        private int _value;

        public int Value
        {
            get { lock (_sync) return _value; }
            init => _value = value;
        }

        public int Add(int n)
        {
            lock (_sync) return _value = Math.Clamp(_value + n, 0, MaxRequested);
        }
    }

    /// <summary>
    /// An event as delivered: its Avro payload under its channel's current schema (built once per subscription and channel); with
    /// <paramref name="malformed"/> (a scripted fault), cut short so that it does not read under the schema.
    /// </summary>
    private static ConsumerEvent Consumer(SalesforceOrg org, Dictionary<string, EventSchemas.Built> schemas, BusEvent e, bool malformed = false)
    {
        if (!schemas.TryGetValue(e.Channel, out var schema))
            schemas[e.Channel] = schema = SchemaOf(org, e.Channel) ?? throw Failure(StatusCode.Internal, InternalError, $"The channel {e.Channel} has no schema.");
        byte[] payload;
        try
        {
            payload = EventSchemas.Encode(schema, e.Payload);
            if (malformed) payload = payload[..(payload.Length / 3)];
        }
        catch (Exception ex) when (ex is Avro.AvroException or InvalidCastException or FormatException or ArgumentException)
        {
            throw Failure(StatusCode.Internal, InternalError, $"Event {e.ReplayId} of {e.Channel} could not be written in its schema: {ex.Message}");
        }
        return new ConsumerEvent
        {
            ReplayId = ReplayBytes(e.ReplayId),
            Event = new ProducerEvent { Id = EventIdOf(e), SchemaId = schema.Id, Payload = ByteString.CopyFrom(payload) },
        };
    }

    /// <summary>A stable id for a bus event (its UUID, as Salesforce gives each event one).</summary>
    private static string EventIdOf(BusEvent e) => new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{e.Channel}:{e.ReplayId}")).AsSpan(0, 16)).ToString();

    public override Task<PublishResponse> Publish(PublishRequest request, ServerCallContext context)
    {
        var (org, grant) = Caller(context);
        return Task.FromResult(PublishTo(org, grant, request));
    }

    public override async Task PublishStream(IAsyncStreamReader<PublishRequest> requestStream, IServerStreamWriter<PublishResponse> responseStream, ServerCallContext context)
    {
        Caller(context);
        // Each request checks the token again: one that expired or was revoked meanwhile ends the stream with the auth error.
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var (org, grant) = Caller(context);
            await responseStream.WriteAsync(PublishTo(org, grant, requestStream.Current), context.CancellationToken);
        }
    }

    /// <summary>Each event as the REST API would publish it (the same checks); one result per event, in order, each with its replay id or its error.</summary>
    private PublishResponse PublishTo(SalesforceOrg org, AccessGrant grant, PublishRequest request)
    {
        var schema = SchemaOf(org, request.TopicName);
        if (schema is null || schema.IsChange)
            throw Failure(StatusCode.NotFound, TopicNotFound, $"{request.TopicName} is not a platform event's topic (/event/Name__e): only platform events are published.");
        var response = new PublishResponse { SchemaId = schema.Id, RpcId = Guid.NewGuid().ToString() };
        foreach (var e in request.Events)
        {
            var result = new PublishResult { CorrelationKey = e.Id };
            try
            {
                if (e.SchemaId != schema.Id) throw new InvalidOperationException($"The event was written with schema {e.SchemaId}; the topic's is {schema.Id}.");
                var fields = EventSchemas.Decode(schema, e.Payload.ToByteArray());
                lock (org.Sync)
                {
                    new Records.RecordWriter(org, state.Clock).Create(grant.UserId, schema.Type, fields);
                    result.ReplayId = ReplayBytes(org.Events.LastReplayId);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                // Whatever is wrong with this event (not its schema's datum, a value out of range, a field refused), it alone is refused.
                logger.LogDebug("Pub/Sub publish to {Topic} refused: {Error}", request.TopicName, ex.Message);
                result.Error = new Error { Code = ErrorCode.Publish, Msg = ex.Message };
            }
            response.Results.Add(result);
        }
        return response;
    }
}
