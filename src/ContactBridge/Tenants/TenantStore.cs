using System.Text.RegularExpressions;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.Tenants;

public sealed partial class TenantStore(HubDatabase db, TimeProvider clock)
{
    public async Task<Tenant> CreateAsync(string name, CancellationToken ct = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > 120) throw new ArgumentException("A tenant name is 1 to 120 characters.");
        if (name.Any(char.IsControl)) throw new ArgumentException("A tenant name cannot hold control characters (such as a NUL or a line break).");
        var slug = Slug().Replace(name.ToLowerInvariant(), "-").Trim('-');
        if (slug.Length == 0) slug = "tenant";
        await using var c = await db.OpenAsync(ct);
        var taken = (await c.QueryAsync<string>("SELECT slug FROM tenants WHERE slug = @slug OR slug LIKE @prefix", new { slug, prefix = slug + "-%" })).ToHashSet();
        var unique = slug;
        for (var n = 2; taken.Contains(unique); n++) unique = $"{slug}-{n}";
        var tenant = new Tenant(Guid.NewGuid().ToString("N"), name, unique, clock.GetUtcNow().ToUnixTimeMilliseconds());
        await c.ExecuteAsync("INSERT INTO tenants (id, name, slug, created_at) VALUES (@Id, @Name, @Slug, @CreatedAt)", tenant);
        return tenant;
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex Slug();

    public async Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<Tenant>("SELECT id, name, slug, created_at FROM tenants ORDER BY name")).ToList();
    }

    public async Task<Tenant?> GetAsync(string idOrSlug, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<Tenant>("SELECT id, name, slug, created_at FROM tenants WHERE id = @v OR slug = @v", new { v = idOrSlug });
    }
}
