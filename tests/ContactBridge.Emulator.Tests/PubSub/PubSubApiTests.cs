using System.Buffers.Binary;
using System.Net;
using System.Numerics;
using System.Text.Json.Nodes;
using Avro;
using Avro.Generic;
using Avro.IO;
using ContactBridge.Emulator.Org;
using ContactBridge.Salesforce.PubSub.Protocol;
using ContactBridge.Emulator.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using PubSubClient = ContactBridge.Salesforce.PubSub.Protocol.PubSub.PubSubClient;

namespace ContactBridge.Emulator.Tests.PubSub;

/// <summary>The Pub/Sub API over gRPC (TLS, HTTP/2) on the emulator's https port, driven by a .NET gRPC client.</summary>
public sealed class PubSubApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<EmulatorServer> StartAsync() =>
        EmulatorServer.StartAsync(new EmulatorOptions { Seed = TestEmulator.WithAgentStateEvent(), HttpsPort = 0 }, Ct);

    /// <summary>A client over TLS that accepts the emulator's own certificate, and the three headers every call carries.</summary>
    private static (PubSubClient Client, Metadata Headers, GrpcChannel Channel) Connect(EmulatorServer emulator, string token, string? tenant = null)
    {
        // The emulator's certificate is its own, made when it starts: trusted here as the one its control API gives (GET /_emulator/tls-certificate).
        var trusted = emulator.State.TlsCertificate!.Thumbprint;
        var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == trusted } };
        var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{emulator.HttpsPort}", new GrpcChannelOptions { HttpHandler = handler });
        var headers = new Metadata { { "accesstoken", token }, { "instanceurl", emulator.InstanceUrl }, { "tenantid", tenant ?? emulator.State.DefaultOrg.Id } };
        return (new PubSubClient(channel), headers, channel);
    }

    private static long ReplayOf(ByteString bytes) => BinaryPrimitives.ReadInt64BigEndian(bytes.Span);

    private static GenericRecord Decode(string schemaJson, ByteString payload)
    {
        var schema = Avro.Schema.Parse(schemaJson);
        return new GenericDatumReader<GenericRecord>(schema, schema).Read(null!, new BinaryDecoder(new MemoryStream(payload.ToByteArray())));
    }

    /// <summary>An Agent_State__e written as a client writes it: Avro binary under the topic's schema.</summary>
    private static ByteString AgentState(RecordSchema schema, string state)
    {
        var record = new GenericRecord(schema);
        record.Add("CreatedDate", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        record.Add("CreatedById", "005000000000000AAA");
        record.Add("State__c", state);
        using var buffer = new MemoryStream();
        new GenericDatumWriter<GenericRecord>(schema).Write(record, new BinaryEncoder(buffer));
        return ByteString.CopyFrom(buffer.ToArray());
    }

    private static async Task<List<ConsumerEvent>> NextEventsAsync(AsyncDuplexStreamingCall<FetchRequest, FetchResponse> call, int count)
    {
        var events = new List<ConsumerEvent>();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(TimeSpan.FromSeconds(20));
        while (events.Count < count && await call.ResponseStream.MoveNext(bound.Token)) events.AddRange(call.ResponseStream.Current.Events);
        return events;
    }

    [Fact]
    public async Task Platform_events_are_delivered_only_as_asked_for_decoded_by_their_schema_published_over_grpc_and_replayed_after_a_replay_id()
    {
        await using var emulator = await StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var (client, headers, channel) = Connect(emulator, rest.AccessToken!);
        using var _ = channel;
        const string topic = "/event/Agent_State__e";

        var info = await client.GetTopicAsync(new TopicRequest { TopicName = topic }, headers, cancellationToken: Ct);
        (info.CanPublish, info.CanSubscribe, info.TenantGuid).ShouldBe((true, true, emulator.State.DefaultOrg.Id));
        var schema = (await client.GetSchemaAsync(new SchemaRequest { SchemaId = info.SchemaId }, headers, cancellationToken: Ct)).SchemaJson;
        var fields = JsonNode.Parse(schema)!["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
        fields.ShouldBe(["CreatedDate", "CreatedById", "State__c"]);

        foreach (var state in new[] { "Available", "Break", "Lunch" })
            (await rest.PostAsync("/sobjects/Agent_State__e", new { State__c = state })).Code.ShouldBe(201);

        // Two asked for, two delivered; the third waits until more are asked for.
        using var call = client.Subscribe(headers, cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new FetchRequest { TopicName = topic, ReplayPreset = ReplayPreset.Earliest, NumRequested = 2 }, Ct);
        var firstTwo = await NextEventsAsync(call, 2);
        firstTwo.Select(e => Decode(schema, e.Event.Payload)["State__c"]).ShouldBe(["Available", "Break"]);
        call.ResponseStream.Current.PendingNumRequested.ShouldBe(0);
        firstTwo.ShouldAllBe(e => e.Event.SchemaId == info.SchemaId);
        await call.RequestStream.WriteAsync(new FetchRequest { NumRequested = 5 }, Ct);
        var third = (await NextEventsAsync(call, 1)).ShouldHaveSingleItem();
        Decode(schema, third.Event.Payload)["State__c"].ShouldBe("Lunch");
        ReplayOf(third.ReplayId).ShouldBeGreaterThan(ReplayOf(firstTwo[1].ReplayId));

        // Published over gRPC, written with the topic's schema: it reaches the open subscription, and the REST API's record store.
        var payload = AgentState((RecordSchema)Avro.Schema.Parse(schema), "Training");
        var published = await client.PublishAsync(new PublishRequest
        {
            TopicName = topic, Events = { new ProducerEvent { Id = "evt-1", SchemaId = info.SchemaId, Payload = payload } },
        }, headers, cancellationToken: Ct);
        var result = published.Results.ShouldHaveSingleItem();
        (result.CorrelationKey, result.Error).ShouldBe(("evt-1", null));
        var fourth = (await NextEventsAsync(call, 1)).ShouldHaveSingleItem();
        Decode(schema, fourth.Event.Payload)["State__c"].ShouldBe("Training");
        ReplayOf(fourth.ReplayId).ShouldBe(ReplayOf(result.ReplayId));
        // An event written with another schema is refused by itself, the others published.
        var mixed = await client.PublishAsync(new PublishRequest
        {
            TopicName = topic,
            Events =
            {
                new ProducerEvent { Id = "bad", SchemaId = "not-the-schema", Payload = payload },
                new ProducerEvent { Id = "good", SchemaId = info.SchemaId, Payload = payload },
            },
        }, headers, cancellationToken: Ct);
        (mixed.Results[0].Error?.Code, mixed.Results[1].Error).ShouldBe((ErrorCode.Publish, null));
        // Bytes that are not a datum of the schema (a plain string where a union is): that event refused, with the reason; the call answers.
        var garbled = await client.PublishAsync(new PublishRequest
        {
            TopicName = topic, Events = { new ProducerEvent { Id = "garbled", SchemaId = info.SchemaId, Payload = ByteString.CopyFrom(0x0A, 0x41, 0x42, 0x43, 0x44, 0x45) } },
        }, headers, cancellationToken: Ct);
        garbled.Results.ShouldHaveSingleItem().Error.Code.ShouldBe(ErrorCode.Publish);
        await call.RequestStream.CompleteAsync();

        // Another subscription, after the second event's replay id: the rest, in order.
        using var again = client.Subscribe(headers, cancellationToken: Ct);
        await again.RequestStream.WriteAsync(new FetchRequest { TopicName = topic, ReplayPreset = ReplayPreset.Custom, ReplayId = firstTwo[1].ReplayId, NumRequested = 10 }, Ct);
        (await NextEventsAsync(again, 3)).Select(e => Decode(schema, e.Event.Payload)["State__c"]).ShouldBe(["Lunch", "Training", "Training"]);
    }

    [Fact]
    public async Task Change_events_carry_the_header_with_field_bitmaps_and_the_compound_name()
    {
        await using var emulator = await StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        var (client, headers, channel) = Connect(emulator, rest.AccessToken!);
        using var _ = channel;
        var id = (await rest.PostAsync("/sobjects/Contact", new { FirstName = "Ada", LastName = "Lovelace", Phone = "+44 20 7946 0000" })).Object["id"]!.GetValue<string>();
        (await rest.PatchAsync($"/sobjects/Contact/{id}", new { Phone = "+44 20 7946 0001", FirstName = "Augusta" })).Code.ShouldBe(204);

        using var call = client.Subscribe(headers, cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new FetchRequest { TopicName = "/data/ContactChangeEvent", ReplayPreset = ReplayPreset.Earliest, NumRequested = 10 }, Ct);
        var events = await NextEventsAsync(call, 2);
        var schemaJson = (await client.GetSchemaAsync(new SchemaRequest { SchemaId = events[0].Event.SchemaId }, headers, cancellationToken: Ct)).SchemaJson;
        var schema = (RecordSchema)Avro.Schema.Parse(schemaJson);
        var created = Decode(schemaJson, events[0].Event.Payload);
        var header = (GenericRecord)created["ChangeEventHeader"];
        (((GenericEnum)header["changeType"]).Value, header["entityName"], ((object[])header["recordIds"]).ShouldHaveSingleItem()).ShouldBe(("CREATE", "Contact", (object)id));
        ((GenericRecord)created["Name"])["LastName"].ShouldBe("Lovelace");
        created["Phone"].ShouldBe("+44 20 7946 0000");

        var updated = (GenericRecord)Decode(schemaJson, events[1].Event.Payload)["ChangeEventHeader"];
        ((GenericEnum)updated["changeType"]).Value.ShouldBe("UPDATE");
        // changedFields: "0x…" (bit i: the record's field i) and "{position}-0x…" (the compound Name's parts).
        var changed = ((object[])updated["changedFields"]).Cast<string>().ToList();
        var top = BigInteger.Parse("0" + changed.Single(c => c.StartsWith("0x", StringComparison.Ordinal))[2..], System.Globalization.NumberStyles.HexNumber);
        var names = schema.Fields.Where(f => !(top & (BigInteger.One << f.Pos)).IsZero).Select(f => f.Name).ToList();
        names.ShouldContain("Phone");
        names.ShouldNotContain("FirstName");
        var nested = changed.Single(c => !c.StartsWith("0x", StringComparison.Ordinal)).Split("-0x");
        schema.Fields[int.Parse(nested[0], System.Globalization.CultureInfo.InvariantCulture)].Name.ShouldBe("Name");
        var nameRecord = ((UnionSchema)schema["Name"].Schema).Schemas.OfType<RecordSchema>().Single();
        var part = BigInteger.Parse("0" + nested[1], System.Globalization.NumberStyles.HexNumber);
        nameRecord.Fields.Where(f => !(part & (BigInteger.One << f.Pos)).IsZero).Select(f => f.Name).ShouldBe(["FirstName"]);

        // Only a part of the name cleared: the record's bitmap still comes first (0x0), then the part's.
        (await rest.PatchAsync($"/sobjects/Contact/{id}", new { FirstName = (string?)null })).Code.ShouldBe(204);
        var cleared = (GenericRecord)Decode(schemaJson, (await NextEventsAsync(call, 1)).Single().Event.Payload)["ChangeEventHeader"];
        ((object[])cleared["nulledFields"]).Cast<string>().ShouldBe(["0x0", $"{schema["Name"].Pos}-0x{1 << nameRecord["FirstName"].Pos:X}"]);

        // Addresses are compounds too: every one a record "Address", defined once and named after that.
        (await rest.PatchAsync($"/sobjects/Contact/{id}", new { OtherCity = "Marylebone", OtherLatitude = 51.52 })).Code.ShouldBe(204);
        var moved = Decode(schemaJson, (await NextEventsAsync(call, 1)).Single().Event.Payload);
        var other = (GenericRecord)moved["OtherAddress"];
        (other["City"], other["Latitude"]).ShouldBe(("Marylebone", (object)51.52));
        var mailing = ((UnionSchema)schema["MailingAddress"].Schema).Schemas.OfType<RecordSchema>().Single();
        mailing.ShouldBeSameAs(((UnionSchema)schema["OtherAddress"].Schema).Schemas.OfType<RecordSchema>().Single());
        mailing.Fullname.ShouldBe("com.sforce.eventbus.Address");
        var movedParts = ((object[])((GenericRecord)moved["ChangeEventHeader"])["changedFields"]).Cast<string>().Single(c => !c.StartsWith("0x", StringComparison.Ordinal)).Split("-0x");
        schema.Fields[int.Parse(movedParts[0], System.Globalization.CultureInfo.InvariantCulture)].Name.ShouldBe("OtherAddress");
        BigInteger.Parse("0" + movedParts[1], System.Globalization.NumberStyles.HexNumber)
            .ShouldBe((BigInteger.One << mailing["City"].Pos) | (BigInteger.One << mailing["Latitude"].Pos));

        // The all-entities channel: each event with its own entity's schema.
        (await rest.PostAsync("/sobjects/Lead", new { LastName = "Hamilton", Company = "MIT" })).Code.ShouldBe(201);
        using var all = client.Subscribe(headers, cancellationToken: Ct);
        await all.RequestStream.WriteAsync(new FetchRequest { TopicName = "/data/ChangeEvents", ReplayPreset = ReplayPreset.Earliest, NumRequested = 10 }, Ct);
        var mixed = await NextEventsAsync(all, 5);
        var entities = new List<string>();
        foreach (var e in mixed)
        {
            var json = (await client.GetSchemaAsync(new SchemaRequest { SchemaId = e.Event.SchemaId }, headers, cancellationToken: Ct)).SchemaJson;
            entities.Add((string)((GenericRecord)Decode(json, e.Event.Payload)["ChangeEventHeader"])["entityName"]);
        }
        entities.ShouldBe(["Contact", "Contact", "Contact", "Contact", "Lead"]);
        mixed.Select(e => e.Event.SchemaId).Distinct().Count().ShouldBe(2);
    }

    [Fact]
    public async Task A_malformed_event_fault_cuts_short_the_next_event_of_its_topic_only_and_the_one_after_reads()
    {
        await using var emulator = await StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        using var admin = new HttpClient { BaseAddress = emulator.BaseUri };
        (await admin.PostAsJsonAsync("/_emulator/faults", new { kind = "malformed_event", pathContains = "ContactChangeEvent", count = 1 }, Ct)).StatusCode
            .ShouldBe(HttpStatusCode.Created);
        // Requests never fire it: the REST writes go through, and the fault waits for an event of its topic.
        (await rest.PostAsync("/sobjects/Lead", new { LastName = "Hamilton", Company = "MIT" })).Code.ShouldBe(201);
        (await rest.PostAsync("/sobjects/Contact", new { LastName = "Lovelace", Phone = "+44 20 7946 0000" })).Code.ShouldBe(201);
        (await rest.PostAsync("/sobjects/Contact", new { LastName = "Babbage", Phone = "+44 20 7946 0001" })).Code.ShouldBe(201);
        emulator.State.Faults.Rules.ShouldHaveSingleItem();

        var (client, headers, channel) = Connect(emulator, rest.AccessToken!);
        using var _ = channel;
        using var leads = client.Subscribe(headers, cancellationToken: Ct);
        await leads.RequestStream.WriteAsync(new FetchRequest { TopicName = "/data/LeadChangeEvent", ReplayPreset = ReplayPreset.Earliest, NumRequested = 10 }, Ct);
        var lead = (await NextEventsAsync(leads, 1)).Single();
        var leadSchema = (await client.GetSchemaAsync(new SchemaRequest { SchemaId = lead.Event.SchemaId }, headers, cancellationToken: Ct)).SchemaJson;
        ((GenericRecord)Decode(leadSchema, lead.Event.Payload)["Name"])["LastName"].ShouldBe("Hamilton", "another topic's events are whole");

        using var contacts = client.Subscribe(headers, cancellationToken: Ct);
        await contacts.RequestStream.WriteAsync(new FetchRequest { TopicName = "/data/ContactChangeEvent", ReplayPreset = ReplayPreset.Earliest, NumRequested = 10 }, Ct);
        var events = await NextEventsAsync(contacts, 2);
        var schemaJson = (await client.GetSchemaAsync(new SchemaRequest { SchemaId = events[0].Event.SchemaId }, headers, cancellationToken: Ct)).SchemaJson;
        var unread = Should.Throw<Exception>(() => Decode(schemaJson, events[0].Event.Payload), "the first is cut short");
        (unread is AvroException or EndOfStreamException).ShouldBeTrue(unread.ToString());
        ((GenericRecord)Decode(schemaJson, events[1].Event.Payload)["Name"])["LastName"].ShouldBe("Babbage", "the fault was used up");
        emulator.State.Faults.Rules.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_owed_subscription_hears_a_keepalive_with_the_latest_replay_id_and_publish_stream_answers_each_request()
    {
        await using var emulator = await StartAsync();
        emulator.State.PubSubKeepAlive = TimeSpan.FromMilliseconds(200);
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        (await rest.PostAsync("/sobjects/Agent_State__e", new { State__c = "Available" })).Code.ShouldBe(201);
        var (client, headers, channel) = Connect(emulator, rest.AccessToken!);
        using var _ = channel;
        using var call = client.Subscribe(headers, cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new FetchRequest { TopicName = "/event/Agent_State__e", ReplayPreset = ReplayPreset.Latest, NumRequested = 1 }, Ct);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(TimeSpan.FromSeconds(20));
        (await call.ResponseStream.MoveNext(bound.Token)).ShouldBeTrue();
        var keepAlive = call.ResponseStream.Current;
        (keepAlive.Events.Count, keepAlive.PendingNumRequested).ShouldBe((0, 1));
        long latest;
        lock (emulator.State.DefaultOrg.Sync) latest = emulator.State.DefaultOrg.Events.LastReplayId;
        ReplayOf(keepAlive.LatestReplayId).ShouldBe(latest);

        var info = await client.GetTopicAsync(new TopicRequest { TopicName = "/event/Agent_State__e" }, headers, cancellationToken: Ct);
        var schema = (RecordSchema)Avro.Schema.Parse((await client.GetSchemaAsync(new SchemaRequest { SchemaId = info.SchemaId }, headers, cancellationToken: Ct)).SchemaJson);
        using var publishing = client.PublishStream(headers, cancellationToken: Ct);
        foreach (var state in new[] { "Break", "Lunch" })
        {
            await publishing.RequestStream.WriteAsync(new PublishRequest
            {
                TopicName = "/event/Agent_State__e", Events = { new ProducerEvent { Id = state, SchemaId = info.SchemaId, Payload = AgentState(schema, state) } },
            }, Ct);
            (await publishing.ResponseStream.MoveNext(bound.Token)).ShouldBeTrue();
            var result = publishing.ResponseStream.Current.Results.ShouldHaveSingleItem();
            (result.CorrelationKey, result.Error).ShouldBe((state, null));
        }
        await publishing.RequestStream.CompleteAsync();
        // The subscription (from the tip when it began) gets the first of them: it had asked for one.
        var delivered = (await NextEventsAsync(call, 1)).ShouldHaveSingleItem();
        ReplayOf(delivered.ReplayId).ShouldBe(latest + 1);
    }

    [Fact]
    public async Task Bad_credentials_unknown_topics_and_replay_ids_are_refused_with_salesforces_error_codes()
    {
        await using var emulator = await StartAsync();
        using var rest = await EmulatorClient.SignedInAsync(emulator);
        static async Task<RpcException> Refused(Func<Task> call) => await Should.ThrowAsync<RpcException>(call);

        var (stranger, strangerHeaders, c1) = Connect(emulator, rest.AccessToken!, tenant: "00D000000000001");
        using (c1)
        {
            var e = await Refused(() => stranger.GetTopicAsync(new TopicRequest { TopicName = "/event/Agent_State__e" }, strangerHeaders, cancellationToken: Ct).ResponseAsync);
            (e.StatusCode, e.Trailers.GetValue("error-code")).ShouldBe((StatusCode.Unauthenticated, "sfdc.platform.eventbus.grpc.service.auth.error"));
        }
        var (badToken, badHeaders, c2) = Connect(emulator, "00DE0000000000!not-a-token");
        using (c2)
            (await Refused(() => badToken.GetTopicAsync(new TopicRequest { TopicName = "/event/Agent_State__e" }, badHeaders, cancellationToken: Ct).ResponseAsync)).StatusCode
                .ShouldBe(StatusCode.Unauthenticated);

        // The certificate a client trusts is the one the control API gives.
        using (var admin = new HttpClient { BaseAddress = emulator.BaseUri })
        {
            using var pem = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await admin.GetStringAsync("/_emulator/tls-certificate", Ct));
            pem.Thumbprint.ShouldBe(emulator.State.TlsCertificate!.Thumbprint);
        }

        var (client, headers, channel) = Connect(emulator, rest.AccessToken!);
        using var _ = channel;
        (await Refused(() => client.GetTopicAsync(new TopicRequest { TopicName = "/event/Nothing__e" }, headers, cancellationToken: Ct).ResponseAsync)).StatusCode
            .ShouldBe(StatusCode.NotFound);
        // Change events are not published by clients.
        (await Refused(() => client.PublishAsync(new PublishRequest { TopicName = "/data/ContactChangeEvent" }, headers, cancellationToken: Ct).ResponseAsync)).StatusCode
            .ShouldBe(StatusCode.NotFound);
        // A replay id never issued (or past the 72 hours kept).
        using var call = client.Subscribe(headers, cancellationToken: Ct);
        await call.RequestStream.WriteAsync(new FetchRequest
        {
            TopicName = "/event/Agent_State__e", ReplayPreset = ReplayPreset.Custom, ReplayId = ContactBridge.Emulator.PubSub.PubSubService.ReplayBytes(999_999), NumRequested = 1,
        }, Ct);
        var refused = await Refused(() => call.ResponseStream.MoveNext(Ct));
        (refused.StatusCode, refused.Trailers.GetValue("error-code")).ShouldBe((StatusCode.InvalidArgument, "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted"));
    }
}
