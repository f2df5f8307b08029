using System.Security.Cryptography;
using System.Text;
using ContactBridge.Storage;
using Dapper;

namespace ContactBridge.AgentAdapter;

/// <summary>A softphone session: one agent of one tenant, signed in as one Salesforce user.</summary>
public sealed record AgentSession(string SessionId, string TenantId, string AgentId, string SalesforceUserId, string SalesforceUsername, string? DisplayName,
    long CreatedAt, long LastSeenAt);

/// <summary>A single sign-on started from a softphone, waiting for Salesforce's callback.</summary>
public sealed record AgentSignInAttempt(string TenantId, string NonceHash, string CodeVerifierEnc, long CreatedAt);

/// <summary>
/// The softphone's sign-ins and sessions, in the hub's database so every instance knows them. Secrets are kept only
/// as SHA-256 hashes: the sign-in state, the softphone's nonce, the one-time ticket, the session token.
/// </summary>
public sealed class AgentSessionStore(HubDatabase db, TimeProvider clock)
{
    /// <summary>From Salesforce's callback to the softphone taking its ticket.</summary>
    public static readonly TimeSpan TicketLifetime = TimeSpan.FromMinutes(2);

    /// <summary>A sign-in window left open longer than this is started again.</summary>
    public static readonly TimeSpan SignInLifetime = TimeSpan.FromMinutes(10);

    /// <summary>A session not used for this long ends (a softphone in use asks every few seconds, and its stream is open).</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(12);

    /// <summary>However busy, a session ends a day after it started: the agent signs in again (a call in progress goes on).</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(24);

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    public static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async Task AddSignInAsync(string state, string tenantId, string nonce, string codeVerifierEnc, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        // Old attempts nobody completed go as new ones come.
        await w.Connection.ExecuteAsync("DELETE FROM agent_sign_ins WHERE created_at < @old", new { old = Now - (long)SignInLifetime.TotalMilliseconds }, w.Transaction);
        await w.Connection.ExecuteAsync("""
            INSERT INTO agent_sign_ins (state_hash, tenant_id, nonce_hash, code_verifier_enc, created_at) VALUES (@state, @tenantId, @nonce, @codeVerifierEnc, @now)
            """, new { state = Hash(state), tenantId, nonce = Hash(nonce), codeVerifierEnc, now = Now }, w.Transaction);
        await w.CommitAsync(ct);
    }

    /// <summary>The attempt this state started, once: null when unknown, used, or too old.</summary>
    public async Task<AgentSignInAttempt?> TakeSignInAsync(string state, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        var attempt = await w.Connection.QuerySingleOrDefaultAsync<AgentSignInAttempt>(
            "SELECT tenant_id, nonce_hash, code_verifier_enc, created_at FROM agent_sign_ins WHERE state_hash = @state", new { state = Hash(state) }, w.Transaction);
        if (attempt is null) return null;
        var deleted = await w.Connection.ExecuteAsync("DELETE FROM agent_sign_ins WHERE state_hash = @state", new { state = Hash(state) }, w.Transaction);
        await w.CommitAsync(ct);
        return deleted == 1 && Now - attempt.CreatedAt <= SignInLifetime.TotalMilliseconds ? attempt : null;
    }

    /// <summary>A session waiting for the softphone that asked for it: returns the one-time ticket the sign-in window hands over.</summary>
    public async Task<string> AddPendingAsync(string tenantId, string agentId, string salesforceUserId, string salesforceUsername, string? displayName, string nonceHash,
        CancellationToken ct)
    {
        var ticket = NewSecret();
        await using var w = await db.WriteAsync(durable: true, ct);
        // Sessions that ended, went unused past the idle timeout or past their lifetime, and tickets never taken, go as new ones come.
        await w.Connection.ExecuteAsync("""
            DELETE FROM agent_sessions WHERE ended_at IS NOT NULL OR last_seen_at < @idle OR created_at < @old OR (token_hash IS NULL AND created_at < @unclaimed)
            """, new { idle = Now - (long)IdleTimeout.TotalMilliseconds, old = Now - (long)MaxLifetime.TotalMilliseconds, unclaimed = Now - (long)TicketLifetime.TotalMilliseconds },
            w.Transaction);
        await w.Connection.ExecuteAsync("""
            INSERT INTO agent_sessions (session_id, tenant_id, agent_id, salesforce_user_id, salesforce_username, display_name, nonce_hash, ticket_hash, token_hash,
                created_at, last_seen_at, ended_at)
            VALUES (@id, @tenantId, @agentId, @salesforceUserId, @salesforceUsername, @displayName, @nonceHash, @ticket, NULL, @now, @now, NULL)
            """, new { id = "as_" + NewSecret()[..16], tenantId, agentId, salesforceUserId, salesforceUsername, displayName, nonceHash, ticket = Hash(ticket), now = Now },
            w.Transaction);
        await w.CommitAsync(ct);
        return ticket;
    }

    /// <summary>Wrong passwords for this agent within the window, oldest first (older ones are forgotten as this asks).</summary>
    public async Task<IReadOnlyList<long>> FailuresAsync(string tenantId, string agentId, TimeSpan window, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: false, ct);
        await w.Connection.ExecuteAsync("DELETE FROM agent_sign_in_failures WHERE failed_at < @old", new { old = Now - (long)window.TotalMilliseconds }, w.Transaction);
        var failures = (await w.Connection.QueryAsync<long>(
            "SELECT failed_at FROM agent_sign_in_failures WHERE tenant_id = @tenantId AND agent_id = @agentId ORDER BY failed_at", new { tenantId, agentId }, w.Transaction)).ToList();
        await w.CommitAsync(ct);
        return failures;
    }

    public async Task AddFailureAsync(string tenantId, string agentId, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: true, ct);
        await w.Connection.ExecuteAsync("INSERT INTO agent_sign_in_failures (tenant_id, agent_id, failed_at) VALUES (@tenantId, @agentId, @now)", new { tenantId, agentId, now = Now },
            w.Transaction);
        await w.CommitAsync(ct);
    }

    public async Task ClearFailuresAsync(string tenantId, string agentId, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: true, ct);
        await w.Connection.ExecuteAsync("DELETE FROM agent_sign_in_failures WHERE tenant_id = @tenantId AND agent_id = @agentId", new { tenantId, agentId }, w.Transaction);
        await w.CommitAsync(ct);
    }

    /// <summary>A session started at once (the agent's name and password were checked by the contact center): returns its token.</summary>
    public async Task<(AgentSession Session, string Token)> AddActiveAsync(string tenantId, string agentId, string? displayName, CancellationToken ct)
    {
        var token = NewSecret();
        await using (var w = await db.WriteAsync(durable: true, ct))
        {
            await w.Connection.ExecuteAsync("""
                INSERT INTO agent_sessions (session_id, tenant_id, agent_id, salesforce_user_id, salesforce_username, display_name, nonce_hash, ticket_hash, token_hash,
                    created_at, last_seen_at, ended_at)
                VALUES (@id, @tenantId, @agentId, '', @username, @displayName, '', NULL, @token, @now, @now, NULL)
                """, new { id = "as_" + NewSecret()[..16], tenantId, agentId, username = agentId, displayName, token = Hash(token), now = Now }, w.Transaction);
            await w.CommitAsync(ct);
        }
        return ((await GetAsync(Hash(token), touch: false, ct))!, token);
    }

    /// <summary>
    /// Trades a ticket for a session token, once, within <see cref="TicketLifetime"/>, and only for the softphone holding the
    /// nonce the sign-in started with (a ticket carried to another browser is worthless there).
    /// </summary>
    public async Task<(AgentSession Session, string Token)?> RedeemAsync(string tenantId, string ticket, string nonce, CancellationToken ct)
    {
        var token = NewSecret();
        await using var w = await db.WriteAsync(durable: true, ct);
        var row = await w.Connection.QuerySingleOrDefaultAsync<(string SessionId, string TenantId, string NonceHash, long CreatedAt)>(
            "SELECT session_id, tenant_id, nonce_hash, created_at FROM agent_sessions WHERE ticket_hash = @ticket AND token_hash IS NULL AND ended_at IS NULL",
            new { ticket = Hash(ticket) }, w.Transaction);
        if (row.SessionId is null || row.TenantId != tenantId || Now - row.CreatedAt > TicketLifetime.TotalMilliseconds
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(row.NonceHash), Encoding.ASCII.GetBytes(Hash(nonce))))
            return null;
        // Two softphones redeeming one ticket at once: one of them wins, the other finds the ticket gone.
        var taken = await w.Connection.ExecuteAsync("""
            UPDATE agent_sessions SET ticket_hash = NULL, token_hash = @token, last_seen_at = @now
            WHERE session_id = @id AND ticket_hash = @ticket AND token_hash IS NULL AND ended_at IS NULL
            """, new { token = Hash(token), now = Now, id = row.SessionId, ticket = Hash(ticket) }, w.Transaction);
        if (taken != 1) return null;
        await w.CommitAsync(ct);
        var session = await GetAsync(Hash(token), touch: false, ct);
        return session is null ? null : (session, token);
    }

    /// <summary>The live session with this token, its last use moved to now (at most once a minute, to spare the database).</summary>
    public async Task<AgentSession?> FindAsync(string token, CancellationToken ct) => await GetAsync(Hash(token), touch: true, ct);

    private async Task<AgentSession?> GetAsync(string tokenHash, bool touch, CancellationToken ct)
    {
        AgentSession? session;
        await using (var c = await db.OpenAsync(ct))
        {
            session = await c.QuerySingleOrDefaultAsync<AgentSession>("""
                SELECT session_id, tenant_id, agent_id, salesforce_user_id, salesforce_username, display_name, created_at, last_seen_at
                FROM agent_sessions WHERE token_hash = @tokenHash AND ended_at IS NULL
                """, new { tokenHash });
        }
        if (session is null) return null;
        var now = Now;
        if (now - session.LastSeenAt > IdleTimeout.TotalMilliseconds || now - session.CreatedAt > MaxLifetime.TotalMilliseconds) return null;
        if (touch && now - session.LastSeenAt > 60_000)
        {
            await using var w = await db.WriteAsync(durable: false, ct);
            await w.Connection.ExecuteAsync("UPDATE agent_sessions SET last_seen_at = @now WHERE session_id = @id", new { now, id = session.SessionId }, w.Transaction);
            await w.CommitAsync(ct);
            session = session with { LastSeenAt = now };
        }
        return session;
    }

    public async Task EndAsync(string sessionId, CancellationToken ct)
    {
        await using var w = await db.WriteAsync(durable: true, ct);
        await w.Connection.ExecuteAsync("UPDATE agent_sessions SET ended_at = @now, token_hash = NULL, ticket_hash = NULL WHERE session_id = @sessionId",
            new { now = Now, sessionId }, w.Transaction);
        await w.CommitAsync(ct);
    }
}
