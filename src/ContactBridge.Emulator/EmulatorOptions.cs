using ContactBridge.Emulator.Org;

namespace ContactBridge.Emulator;

/// <summary>How to run an emulator: where it listens, what it is seeded with, where it keeps its data.</summary>
public sealed class EmulatorOptions
{
    public const int DefaultPort = 8844;

    /// <summary>The address to bind; loopback unless deliberately opened up.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (embedded use).</summary>
    public int Port { get; init; }

    /// <summary>
    /// A second, https port for the orgs' Lightning hosts (<c>https://{org}.lightning.force.com:{port}</c>, with a certificate made
    /// at start): what Service Cloud Voice connectors insist on. Null: none; 0 picks a free port. Point those names at this machine
    /// (Chromium: <c>--host-resolver-rules="MAP *.lightning.force.com 127.0.0.1"</c>) and trust or ignore the certificate.
    /// </summary>
    public int? HttpsPort { get; init; }

    /// <summary>A seed file (JSON) to load; <see cref="Seed"/> wins when both are given.</summary>
    public string? SeedFile { get; init; }

    public SeedFile? Seed { get; init; }

    /// <summary>A JSON file the org data is kept in, so that it survives a restart. Null keeps everything in memory.</summary>
    public string? DataFile { get; init; }

    public TimeProvider? TimeProvider { get; init; }

    public TimeSpan SaveInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Fails fast on settings that cannot work, with a message that says what to change.</summary>
    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentException($"Port {Port} is out of range: use 0 (any free port) to 65535.");
        if (HttpsPort is < 0 or > 65535) throw new ArgumentException($"HttpsPort {HttpsPort} is out of range: use 0 (any free port) to 65535, or leave it unset.");
        if (!System.Net.IPAddress.TryParse(Host, out _)) throw new ArgumentException($"Host '{Host}' is not an IP address: use 127.0.0.1, or 0.0.0.0 to listen on every interface.");
        if (SeedFile is not null && !File.Exists(SeedFile)) throw new ArgumentException($"Seed file '{SeedFile}' does not exist.");
    }
}
