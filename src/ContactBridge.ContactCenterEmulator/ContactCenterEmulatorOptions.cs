using ContactBridge.ContactCenterEmulator.Tenants;

namespace ContactBridge.ContactCenterEmulator;

/// <summary>How to run a contact-center emulator: where it listens, what tenants it starts with, its clock.</summary>
public sealed class ContactCenterEmulatorOptions
{
    /// <summary>The executable's port; embedded use takes 0 (any free port).</summary>
    public const int DefaultPort = 8855;

    /// <summary>The address to bind; loopback unless deliberately opened up.</summary>
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; }

    public TimeProvider? TimeProvider { get; init; }

    /// <summary>The tenants to start with; wins over <see cref="SeedFile"/> when both are given.</summary>
    public SeedFile? Seed { get; init; }

    /// <summary>A seed file (JSON, comments allowed) to read the tenants from.</summary>
    public string? SeedFile { get; init; }

    /// <summary>Whether a background loop runs <see cref="ContactCenter.Tick"/> every 100 ms; tests turn it off and tick by hand.</summary>
    public bool RunTimers { get; init; } = true;

    /// <summary>Seeds the random draws (patience, talk time, load), for runs that repeat exactly.</summary>
    public int? RandomSeed { get; init; }

    /// <summary>Fails fast on settings that cannot work, with a message that says what to change.</summary>
    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new ArgumentException($"Port {Port} is out of range: use 0 (any free port) to 65535.");
        if (!System.Net.IPAddress.TryParse(Host, out _)) throw new ArgumentException($"Host '{Host}' is not an IP address: use 127.0.0.1, or 0.0.0.0 to listen on every interface.");
        if (Seed is null && SeedFile is not null && !File.Exists(SeedFile)) throw new ArgumentException($"Seed file '{SeedFile}' does not exist.");
    }
}
