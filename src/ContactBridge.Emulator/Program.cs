using ContactBridge.Emulator;
using ContactBridge.Emulator.Org;

// ContactBridge Salesforce emulator: a local org on 127.0.0.1 that Salesforce clients can use.
//   dotnet run --project src/ContactBridge.Emulator -- [--port 8844] [--https-port 8845] [--host 127.0.0.1] [--seed seed.json] [--data-file org-data.json]
EmulatorOptions options;
try
{
    options = ParseArguments(args);
    options.Validate();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine("usage: ContactBridge.Emulator [--port 8844] [--https-port 8845] [--host 127.0.0.1] [--seed FILE] [--data-file FILE]");
    return 2;
}

EmulatorServer server;
try
{
    server = await EmulatorServer.StartAsync(options);
}
catch (IOException e)
{
    Console.Error.WriteLine($"error: could not listen on {options.Host}:{options.Port} ({e.Message}). Is another emulator running? Pick another port with --port.");
    return 1;
}

await using (server)
{
    var org = server.State.DefaultOrg;
    Console.WriteLine($"""
        ContactBridge Salesforce emulator is running.

          Instance URL (My Domain)  {server.InstanceUrl}
          Lightning console         {server.InstanceUrl}/lightning/page/home  (sign in as the admin user)
          Production login URL      {server.ProductionLoginUrl}
          Sandbox login URL         {server.SandboxLoginUrl}
          Org                       {org.Name} ({org.Id})
          Admin user                {WellKnown.AdminUsername} / {WellKnown.AdminPassword}
          Integration user          {WellKnown.IntegrationUsername} / {WellKnown.IntegrationPassword}
          Connected app             client id {WellKnown.ClientId}
                                    secret    {WellKnown.ClientSecret}
          Control API               {server.InstanceUrl}/_emulator  (OpenAPI: /_emulator/openapi/emulator.json)
          Data                      {options.DataFile ?? "in memory (use --data-file to keep it)"}
          Lightning host (https)    {(server.HttpsPort is null ? "none (--https-port 8845 serves https://{org}.lightning.force.com for Service Cloud Voice)" : server.LightningUrlOf(WellKnown.DefaultOrgKey) + "  (map *.lightning.force.com to this machine)")}
          Pub/Sub API (gRPC, TLS)   {(server.HttpsPort is null ? "none (served on the https port)" : $"127.0.0.1:{server.HttpsPort}  (its certificate: GET /_emulator/tls-certificate)")}

        Press Ctrl+C to stop.
        """);
    await server.WaitForShutdownAsync();
}
return 0;

static EmulatorOptions ParseArguments(string[] args)
{
    int port = EmulatorOptions.DefaultPort;
    int? httpsPort = null;
    string host = "127.0.0.1";
    string? seed = null, dataFile = null;
    for (var i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
        switch (args[i])
        {
            case "--port":
                var raw = Value();
                if (!int.TryParse(raw, out port)) throw new ArgumentException($"--port '{raw}' is not a number.");
                break;
            case "--https-port":
                var https = Value();
                httpsPort = int.TryParse(https, out var parsed) ? parsed : throw new ArgumentException($"--https-port '{https}' is not a number.");
                break;
            case "--host": host = Value(); break;
            case "--seed": seed = Value(); break;
            case "--data-file": dataFile = Value(); break;
            case "-h" or "--help": throw new ArgumentException("ContactBridge Salesforce emulator.");
            default: throw new ArgumentException($"unknown option '{args[i]}'.");
        }
    }
    return new EmulatorOptions { Port = port, HttpsPort = httpsPort, Host = host, SeedFile = seed, DataFile = dataFile };
}
