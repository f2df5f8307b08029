using ContactBridge.ContactCenterEmulator;

// ContactBridge contact-center emulator: a small ACD speaking the open contact-center protocol, for development and tests.
//   dotnet run --project src/ContactBridge.ContactCenterEmulator -- [--port 8855] [--host 127.0.0.1] [--seed tenants.json]
const string Usage = "usage: ContactBridge.ContactCenterEmulator [--port 8855] [--host 127.0.0.1] [--seed FILE]";
ContactCenterEmulatorOptions options;
try
{
    options = ParseArguments(args);
    options.Validate();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}

ContactCenterEmulatorServer server;
try
{
    server = await ContactCenterEmulatorServer.StartAsync(options);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (IOException e)
{
    Console.Error.WriteLine($"error: could not listen on {options.Host}:{options.Port} ({e.Message}). Is another emulator running? Pick another port with --port.");
    return 1;
}

await using (server)
{
    var tenants = server.Center.Tenants;
    var lines = tenants.Count == 0
        ? "  (none yet: PUT /_emulator/tenants/{id}, or start with --seed FILE)"
        : string.Join(Environment.NewLine, tenants.Select(t =>
            $"  {t.Id,-16} commands  {server.CommandUrlOf(t.Id)}{Environment.NewLine}  {"",-16} events to {t.HubEventsUrl?.ToString() ?? "(kept here: no hubEventsUrl)"}"));
    Console.WriteLine($"""
        ContactBridge contact-center EMULATOR is running. It is not a real contact center: no calls reach anyone.

          Base URL     {server.BaseUri}
          Control API  {server.BaseUri}_emulator  (OpenAPI: {server.BaseUri}_emulator/openapi/contact-center.json)
          Run id       {server.Center.RunId}
          Tenants
        {lines}

        Press Ctrl+C to stop.
        """);
    await server.WaitForShutdownAsync();
}
return 0;

static ContactCenterEmulatorOptions ParseArguments(string[] args)
{
    var port = ContactCenterEmulatorOptions.DefaultPort;
    var host = "127.0.0.1";
    string? seed = null;
    for (var i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
        switch (args[i])
        {
            case "--port":
                var raw = Value();
                if (!int.TryParse(raw, out port)) throw new ArgumentException($"--port '{raw}' is not a number.");
                break;
            case "--host": host = Value(); break;
            case "--seed": seed = Value(); break;
            case "-h" or "--help": throw new ArgumentException("ContactBridge contact-center emulator.");
            default: throw new ArgumentException($"unknown option '{args[i]}'.");
        }
    }
    return new ContactCenterEmulatorOptions { Port = port, Host = host, SeedFile = seed };
}
