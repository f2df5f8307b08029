using System.CommandLine;
using ContactBridge.ContactCenter;

namespace ContactBridge.Cli;

/// <summary><c>contactbridge contact-center …</c>: where a tenant's contact center takes commands, and the secret they are signed with.</summary>
public static class ContactCenterConnectionCommands
{
    public static Command Build()
    {
        var url = new Option<string>("--url") { Required = true, Description = "The contact center's command URL (https, or http on this machine)." };
        var newSecret = new Option<bool>("--new-secret") { Description = "Make a new command secret even if there is one (the old one stops working at once)." };
        var connect = new Command("connect", "Sets the tenant's command URL; makes the command secret the first time (shown once).") { CliCommands.TenantOption, url, newSecret };
        connect.SetAction((p, ct) => CliCommands.WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await CliCommands.TenantAsync(sp, p, ct2);
            var secret = await sp.GetRequiredService<ContactCenterConnections>().ConnectAsync(t.Id, p.GetValue(url)!, p.GetValue(newSecret), ct2);
            Console.WriteLine($"Commands for {t.Name} go to {p.GetValue(url)!.Trim()}.");
            if (secret is null) Console.WriteLine("The command secret is unchanged (--new-secret makes a new one).");
            else
            {
                Console.WriteLine("Command secret (shown once; set it in the contact center, which checks commands and signs its answers with it):");
                Console.WriteLine(secret);
            }
            return 0;
        }, ct));

        var show = new Command("show", "Shows where the tenant's commands go (never the secret).") { CliCommands.TenantOption, ConsoleOutput.Json };
        show.SetAction((p, ct) => CliCommands.WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await CliCommands.TenantAsync(sp, p, ct2);
            var view = await sp.GetRequiredService<ContactCenterConnections>().ViewAsync(t.Id, ct2);
            if (p.GetValue(ConsoleOutput.Json)) ConsoleOutput.WriteJson(view);
            else Console.WriteLine(view.CommandUrl is null
                ? $"{t.Name} has no command URL: set one with `contactbridge contact-center connect --tenant {t.Slug} --url …`."
                : $"{t.Name}: commands go to {view.CommandUrl} (set {view.UpdatedAt:u}).");
            return 0;
        }, ct));

        var disconnect = new Command("disconnect", "Forgets the command URL and secret: no command is sent until one is set again.") { CliCommands.TenantOption };
        disconnect.SetAction((p, ct) => CliCommands.WithServicesAsync(p, async (sp, ct2) =>
        {
            var t = await CliCommands.TenantAsync(sp, p, ct2);
            Console.WriteLine(await sp.GetRequiredService<ContactCenterConnections>().DisconnectAsync(t.Id, ct2)
                ? $"{t.Name}'s command URL and secret are forgotten."
                : $"{t.Name} had no command URL.");
            return 0;
        }, ct));

        return new Command("contact-center", "Where the tenant's contact center takes commands (state, dial, answer, transfer …).") { connect, show, disconnect };
    }
}
