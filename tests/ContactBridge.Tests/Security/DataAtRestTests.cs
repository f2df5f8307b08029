using System.Security.Cryptography;
using ContactBridge.Tests.Support;

namespace ContactBridge.Tests.Security;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataAtRestTests
{
    private static readonly string[] HubFiles = ["contactbridge.db", "secrets.key"];

    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                              | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task The_data_directory_and_everything_the_hub_writes_in_it_are_readable_by_its_user_only()
    {
        var parent = Directory.CreateTempSubdirectory("cb-perm-").FullName;
        File.SetUnixFileMode(parent, (UnixFileMode)0b111_101_101);
        var data = Path.Combine(parent, "data");
        try
        {
            await using (var hub = await TestHub.StartAsync(settings: new() { [$"{HubOptions.Section}:DataDirectory"] = data }))
            {
                await hub.LinkedTenantAsync();
                File.GetUnixFileMode(data).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                foreach (var file in HubFiles.Select(f => Path.Combine(data, f)))
                    (File.GetUnixFileMode(file) & GroupOrOther).ShouldBe(UnixFileMode.None, file);
                foreach (var journal in Directory.EnumerateFiles(data, "contactbridge.db-*"))
                    (File.GetUnixFileMode(journal) & GroupOrOther).ShouldBe(UnixFileMode.None, journal);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public async Task The_key_can_come_from_configuration_so_no_copy_of_the_data_directory_holds_it()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var hub = await TestHub.StartAsync(settings: new() { [$"{HubOptions.Section}:Key"] = key });
        var tenant = await hub.LinkedTenantAsync();
        File.Exists(Path.Combine(hub.Directory, "secrets.key")).ShouldBeFalse();
        (await hub.LinkAsync(tenant))!.Status.ShouldBe(ContactBridge.Linking.LinkStatus.Linked);
        // The stored token decrypts with that key: a Salesforce call through the link works.
        using var sender = await EventSender.ForAsync(hub, tenant.Id);
        await sender.AcceptAsync(sender.Interaction("call-with-key"));
        await hub.RunPipelineAsync();
        hub.Records("Task").ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_key_that_is_not_32_bytes_stops_the_hub_with_a_message_that_says_how_to_make_one()
    {
        var e = await Should.ThrowAsync<Exception>(() => TestHub.StartAsync(settings: new() { [$"{HubOptions.Section}:Key"] = "c2hvcnQ=" }));
        e.ToString().ShouldContain("Hub:Key must be 32 random bytes in base64");
    }
}
