using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.Rest;

public sealed class DataFileTests
{
    [Fact]
    public async Task An_org_kept_in_a_data_file_survives_a_restart_with_its_records_tokens_and_id_sequence()
    {
        var directory = Directory.CreateTempSubdirectory("cb-emu-");
        var file = Path.Combine(directory.FullName, "org.json");
        try
        {
            string token, kept, deleted;
            await using (var first = await TestEmulator.StartAsync(dataFile: file))
            {
                using var client = await EmulatorClient.SignedInAsync(first);
                token = client.AccessToken!;
                kept = await client.CreateAsync("Contact", new { LastName = "Persistent", Birthdate = "1990-02-03" });
                deleted = await client.CreateAsync("Contact", new { LastName = "Deleted" });
                await client.DeleteAsync($"/sobjects/Contact/{deleted}");
            }
            File.Exists(file).ShouldBeTrue();

            await using var second = await TestEmulator.StartAsync(dataFile: file);
            using var again = new EmulatorClient(second) { AccessToken = token };
            var record = (await again.GetAsync($"/sobjects/Contact/{kept}")).Object;
            record["LastName"]!.GetValue<string>().ShouldBe("Persistent");
            record["Birthdate"]!.GetValue<string>().ShouldBe("1990-02-03");
            (await again.GetAsync($"/sobjects/Contact/{deleted}")).ErrorCode.ShouldBe("ENTITY_IS_DELETED");
            var next = await again.CreateAsync("Contact", new { LastName = "After restart" });
            next.ShouldNotBe(kept);
            next.ShouldNotBe(deleted);
            (await again.QueryAsync("SELECT COUNT() FROM Contact")).Object["totalSize"]!.GetValue<int>().ShouldBe(2);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
