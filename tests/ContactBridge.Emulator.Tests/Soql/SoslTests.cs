using System.Text.Json.Nodes;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Soql;

public sealed class SoslTests
{
    private static async Task<(EmulatorServer, EmulatorClient)> StartAsync()
    {
        var emulator = await TestEmulator.StartAsync();
        var client = await EmulatorClient.SignedInAsync(emulator);
        await client.CreateAsync("Contact", new { FirstName = "Ada", LastName = "Lovelace", Phone = "+1 (415) 555-0100", Email = "ada@acme.example" });
        await client.CreateAsync("Contact", new { FirstName = "Alan", LastName = "Turing", MobilePhone = "020 7946 0018", Email = "alan@bletchley.example" });
        await client.CreateAsync("Lead", new { LastName = "Prospect", Company = "Acme Anvils", Phone = "415.555.0100" });
        await client.CreateAsync("Account", new { Name = "Acme", Phone = "+1 415 555 0199" });
        return (emulator, client);
    }

    private static async Task<List<string>> Find(EmulatorClient client, string sosl)
    {
        var r = await client.GetAsync($"/search?q={Uri.EscapeDataString(sosl)}");
        r.Code.ShouldBe(200, r.Body?.ToJsonString());
        return r.Object["searchRecords"]!.AsArray().Select(x => $"{x!["attributes"]!["type"]!.GetValue<string>()}:{(x["Name"] ?? x["Id"])!.GetValue<string>()}").ToList();
    }

    [Fact]
    public async Task Phone_search_matches_digits_whatever_the_punctuation()
    {
        var (emulator, client) = await StartAsync();
        await using var _ = emulator;
        using var __ = client;
        var hits = await Find(client, "FIND {4155550100} IN PHONE FIELDS RETURNING Contact(Id, Name), Lead(Id, Name), Account(Name)");
        hits.ShouldBe(["Contact:Ada Lovelace", "Lead:Prospect"]);
        (await Find(client, "FIND {02079460018} IN PHONE FIELDS RETURNING Contact(Name)")).ShouldBe(["Contact:Alan Turing"]);
    }

    [Fact]
    public async Task Numbers_are_found_through_the_phone_index_as_records_change_and_as_a_read_of_every_record_finds_them()
    {
        var (emulator, client) = await StartAsync();
        await using var _ = emulator;
        using var __ = client;
        var grace = await client.CreateAsync("Contact", new { FirstName = "Grace", LastName = "Hopper", Phone = "+1 415 555 0142 ext. 12" });
        async Task<List<string>> Phone(string number) => await Find(client, $"FIND {{{number}}} IN PHONE FIELDS RETURNING Contact(Name), Lead(Name)");
        // A number inside a longer one, the last seven digits alone, the number with a country code the record was stored without.
        (await Phone("4155550142")).ShouldBe(["Contact:Grace Hopper"]);
        (await Phone("5550100")).ShouldBe(["Contact:Ada Lovelace", "Lead:Prospect"], "in the order they were stored");
        (await Phone("+44 20 7946 0018")).ShouldBe(["Contact:Alan Turing"]);
        (await Phone("4155550100 OR 442079460018 OR 6285550000")).ShouldBe(["Contact:Ada Lovelace", "Contact:Alan Turing", "Lead:Prospect"]);
        (await Phone("4155550142 AND NOT 12")).ShouldBeEmpty("NOT still excludes");

        // Renumbered, deleted, restored by a rolled back request: each is what the search sees at once.
        (await client.PatchAsync($"/sobjects/Contact/{grace}", new { Phone = "+1 628 555 0199" })).Code.ShouldBe(204);
        (await Phone("4155550142")).ShouldBeEmpty();
        (await Phone("6285550199")).ShouldBe(["Contact:Grace Hopper"]);
        var rolledBack = await client.PostAsync("/composite/sobjects", new
        {
            allOrNone = true,
            records = new object[]
            {
                new { attributes = new { type = "Contact" }, LastName = "Kept Out", Phone = "+1 212 555 0000" },
                new { attributes = new { type = "Contact" }, Phone = "+1 212 555 0001" },
            },
        });
        rolledBack.Code.ShouldBe(200, rolledBack.Body?.ToJsonString());
        (await Phone("2125550000")).ShouldBeEmpty("a record rolled back is not found");
        (await client.DeleteAsync($"/sobjects/Contact/{grace}")).Code.ShouldBe(204);
        (await Phone("6285550199")).ShouldBeEmpty("a deleted record is not found");

        // Phone fields alone use the index; every field read one by one finds the same records for numbers only phone fields hold.
        foreach (var number in new[] { "4155550100", "02079460018", "4155550199", "5550100" })
            (await Find(client, $"FIND {{{number}}} IN ALL FIELDS RETURNING Contact(Name), Lead(Name), Account(Name)"))
                .ShouldBe(await Find(client, $"FIND {{{number}}} IN PHONE FIELDS RETURNING Contact(Name), Lead(Name), Account(Name)"), number);
    }

    [Fact]
    public async Task Email_name_and_all_field_scopes_with_where_order_and_limit()
    {
        var (emulator, client) = await StartAsync();
        await using var _ = emulator;
        using var __ = client;
        (await Find(client, "FIND {alan@bletchley.example} IN EMAIL FIELDS RETURNING Contact(Name)")).ShouldBe(["Contact:Alan Turing"]);
        (await Find(client, "FIND {Acme} IN NAME FIELDS RETURNING Account(Name), Lead(Name)")).ShouldBe(["Account:Acme", "Lead:Prospect"]);
        (await Find(client, "FIND {acme*} RETURNING Contact(Name ORDER BY Name), Account(Name)")).ShouldBe(["Contact:Ada Lovelace", "Account:Acme"]);
        (await Find(client, "FIND {ad*} IN NAME FIELDS RETURNING Contact(Name WHERE LastName != 'Turing' LIMIT 5)")).ShouldBe(["Contact:Ada Lovelace"]);
        (await Find(client, "FIND {Ada OR Alan} IN NAME FIELDS RETURNING Contact(Name ORDER BY Name DESC)")).ShouldBe(["Contact:Alan Turing", "Contact:Ada Lovelace"]);
        (await Find(client, "FIND {\"Ada Lovelace\"} RETURNING Contact(Name)")).ShouldBe(["Contact:Ada Lovelace"]);
        (await Find(client, "FIND {\"Lovelace Ada\"} RETURNING Contact(Name)")).ShouldBeEmpty();
        (await Find(client, "FIND {Lovelace Ada} RETURNING Contact(Name)")).ShouldBe(["Contact:Ada Lovelace"]);
        (await Find(client, "FIND {Ada AND Lovelace} IN NAME FIELDS RETURNING Contact(Name)")).ShouldBe(["Contact:Ada Lovelace"]);
    }

    [Fact]
    public async Task Reserved_characters_must_be_escaped_and_bad_searches_are_refused()
    {
        var (emulator, client) = await StartAsync();
        await using var _ = emulator;
        using var __ = client;
        (await client.GetAsync($"/search?q={Uri.EscapeDataString("FIND {+1 (415)} IN PHONE FIELDS")}")).ErrorCode.ShouldBe("MALFORMED_SEARCH");
        (await Find(client, "FIND {\\+1 \\(415\\)} IN PHONE FIELDS RETURNING Contact(Name)")).ShouldBe(["Contact:Ada Lovelace"]);
        (await client.GetAsync($"/search?q={Uri.EscapeDataString("FIND {a} RETURNING Contact")}")).ErrorCode.ShouldBe("INVALID_SEARCH");
        (await client.GetAsync($"/search?q={Uri.EscapeDataString("FIND {a*} RETURNING Contact")}")).ErrorCode.ShouldBe("INVALID_SEARCH");
        (await client.GetAsync($"/search?q={Uri.EscapeDataString("FIND {Ada RETURNING Contact")}")).ErrorCode.ShouldBe("MALFORMED_SEARCH");
        (await client.GetAsync($"/search?q={Uri.EscapeDataString("FIND {Ada} RETURNING Nope__c")}")).ErrorCode.ShouldBe("INVALID_TYPE");
    }

    [Fact]
    public async Task Parameterized_search_takes_plain_text_over_get_and_post()
    {
        var (emulator, client) = await StartAsync();
        await using var _ = emulator;
        using var __ = client;
        var get = await client.GetAsync("/parameterizedSearch?q=%2B1%20(415)%20555-0100&in=PHONE&sobject=Contact,Lead&Contact.fields=Id,Name&Lead.fields=Name");
        get.Object["searchRecords"]!.AsArray().Select(r => r!["Name"]!.GetValue<string>()).ShouldBe(["Ada Lovelace", "Prospect"]);
        var post = await client.PostAsync("/parameterizedSearch", new JsonObject
        {
            ["q"] = "Turing", ["in"] = "NAME", ["sobjects"] = new JsonArray(new JsonObject { ["name"] = "Contact", ["fields"] = new JsonArray("Id", "Email") }),
        });
        post.Object["searchRecords"]!.AsArray().Single()!["Email"]!.GetValue<string>().ShouldBe("alan@bletchley.example");
    }
}
