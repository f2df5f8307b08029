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
