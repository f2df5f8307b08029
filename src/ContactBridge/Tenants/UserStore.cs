using ContactBridge.Storage;
using Dapper;
using Microsoft.AspNetCore.Identity;

namespace ContactBridge.Tenants;

public enum SignInOutcome { Succeeded, Failed, LockedOut }

/// <summary>
/// Local accounts: passwords hashed with ASP.NET Core's PasswordHasher (PBKDF2, salted), and a
/// lockout after repeated failures so a password cannot be guessed online.
/// </summary>
public sealed class UserStore(HubDatabase db, TimeProvider clock, Microsoft.Extensions.Options.IOptions<HubOptions> options)
{
    private static readonly PasswordHasher<HubUser> Hasher = new();
    private static readonly HubUser Nobody = new("", "", "", "", null, 0, null, 0);
    private static readonly string DummyHash = Hasher.HashPassword(Nobody, Guid.NewGuid().ToString());
    public const int MinimumPasswordLength = 12;

    public async Task<HubUser> CreateAsync(string email, string password, string role, string? tenantId, CancellationToken ct = default)
    {
        email = email.Trim().ToLowerInvariant();
        if (!email.Contains('@', StringComparison.Ordinal) || email.Length > 254 || email.Any(char.IsControl)) throw new ArgumentException($"'{email}' is not an e-mail address.");
        if (password.Length < MinimumPasswordLength) throw new ArgumentException($"A password needs at least {MinimumPasswordLength} characters.");
        if (role == Roles.TenantAdmin && tenantId is null) throw new ArgumentException("A tenant administrator belongs to a tenant.");
        if (role == Roles.SystemAdmin) tenantId = null;
        await using var c = await db.OpenAsync(ct);
        if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE email = @email", new { email }) > 0)
            throw new ArgumentException($"A user with the e-mail {email} already exists.");
        var user = new HubUser(Guid.NewGuid().ToString("N"), email, "", role, tenantId, 0, null, clock.GetUtcNow().ToUnixTimeMilliseconds());
        user = user with { PasswordHash = Hasher.HashPassword(user, password) };
        await c.ExecuteAsync("""
            INSERT INTO users (id, email, password_hash, role, tenant_id, failed_sign_ins, locked_until, created_at)
            VALUES (@Id, @Email, @PasswordHash, @Role, @TenantId, 0, NULL, @CreatedAt)
            """, user);
        return user;
    }

    public async Task<HubUser?> FindAsync(string idOrEmail, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<HubUser>("SELECT * FROM users WHERE id = @v OR email = @e", new { v = idOrEmail, e = idOrEmail.Trim().ToLowerInvariant() });
    }

    public async Task<long> CountSystemAdminsAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE role = @r", new { r = Roles.SystemAdmin });
    }

    public async Task<(SignInOutcome Outcome, HubUser? User)> SignInAsync(string email, string password, CancellationToken ct = default)
    {
        var user = await FindAsync(email, ct);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (user is null)
        {
            // Hash anyway, so the answer takes as long for an unknown e-mail as for a wrong password.
            Hasher.VerifyHashedPassword(Nobody, DummyHash, password);
            return (SignInOutcome.Failed, null);
        }
        if (user.LockedUntil is { } until && until > now) return (SignInOutcome.LockedOut, null);
        await using var c = await db.OpenAsync(ct);
        if (Hasher.VerifyHashedPassword(user, user.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            var failures = user.FailedSignIns + 1;
            var o = options.Value;
            long? lockedUntil = failures >= o.SignInAttemptsBeforeLockout ? now + (long)o.SignInLockout.TotalMilliseconds : null;
            await c.ExecuteAsync("UPDATE users SET failed_sign_ins = @f, locked_until = @l WHERE id = @id",
                new { f = lockedUntil is null ? failures : 0, l = lockedUntil, id = user.Id });
            return (lockedUntil is null ? SignInOutcome.Failed : SignInOutcome.LockedOut, null);
        }
        await c.ExecuteAsync("UPDATE users SET failed_sign_ins = 0, locked_until = NULL WHERE id = @id", new { id = user.Id });
        return (SignInOutcome.Succeeded, user);
    }
}
