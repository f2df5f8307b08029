using System.Security.Cryptography;

namespace ContactBridge.Emulator.OAuth;

public sealed class AuthorizationCode
{
    public required string Code { get; init; }
    public required string OrgKey { get; init; }
    public required string UserId { get; init; }
    public required string ClientId { get; init; }
    public required string RedirectUri { get; init; }
    public required string LoginBase { get; init; }
    public string? CodeChallenge { get; init; }
    public string Scope { get; init; } = "";
    public DateTimeOffset ExpiresAt { get; init; }
    public bool Used { get; set; }
}

/// <summary>An approval of a connected app by a user: a refresh token and the access tokens issued from it.</summary>
public sealed class RefreshGrant
{
    public required string Token { get; init; }
    public required string OrgKey { get; init; }
    public required string UserId { get; init; }
    public required string ClientId { get; init; }
    public required string LoginBase { get; init; }
    public string Scope { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset LastUsedAt { get; set; }
    public bool Revoked { get; set; }
}

public sealed class AccessGrant
{
    public required string Token { get; init; }
    public required string OrgKey { get; init; }
    public required string UserId { get; init; }
    public required string ClientId { get; init; }
    public required string LoginBase { get; init; }
    public string? RefreshToken { get; init; }
    public DateTimeOffset IssuedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; set; }
    public bool Revoked { get; set; }
}

/// <summary>A browser session on a login page (the "sid" cookie), so a second authorize skips the login form.</summary>
public sealed record LoginSession(string Id, string OrgKey, string UserId, string HostBase);

/// <summary>Codes, tokens, approvals and login sessions. Thread-safe.</summary>
public sealed class OAuthStore(TimeProvider clock)
{
    /// <summary>Salesforce keeps at most this many approvals (refresh tokens) per user and connected app.</summary>
    public const int MaxApprovalsPerUserAndApp = 5;

    private readonly object _sync = new();
    private readonly Dictionary<string, AuthorizationCode> _codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AccessGrant> _access = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RefreshGrant> _refresh = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LoginSession> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _sessionSeen = new(StringComparer.Ordinal);

    /// <summary>A browser session ends after this long without a request (Salesforce's default session timeout is 2 hours).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(2);

    public static string RandomToken(int bytes = 32) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).Replace('+', '.').Replace('/', '_').TrimEnd('=');

    public AuthorizationCode IssueCode(string orgKey, string userId, string clientId, string redirectUri, string loginBase, string? challenge, string scope)
    {
        var code = new AuthorizationCode
        {
            Code = "aPrx" + RandomToken(48), OrgKey = orgKey, UserId = userId, ClientId = clientId, RedirectUri = redirectUri,
            LoginBase = loginBase, CodeChallenge = challenge, Scope = scope,
            // Salesforce authorization codes are valid for 15 minutes.
            ExpiresAt = clock.GetUtcNow().AddMinutes(15),
        };
        lock (_sync) _codes[code.Code] = code;
        return code;
    }

    public AuthorizationCode? FindCode(string code)
    {
        lock (_sync) return _codes.GetValueOrDefault(code);
    }

    public AccessGrant IssueAccess(string orgId, string orgKey, string userId, string clientId, string loginBase, string? refreshToken, TimeSpan lifetime)
    {
        var now = clock.GetUtcNow();
        var grant = new AccessGrant
        {
            Token = $"{orgId[..15]}!{RandomToken(72)}", OrgKey = orgKey, UserId = userId, ClientId = clientId, LoginBase = loginBase,
            RefreshToken = refreshToken, IssuedAt = now, ExpiresAt = now + lifetime,
        };
        lock (_sync) _access[grant.Token] = grant;
        return grant;
    }

    /// <summary>Records a new approval; a sixth approval for the same user and app revokes the oldest (Salesforce's limit of five).</summary>
    public RefreshGrant IssueRefresh(string orgKey, string userId, string clientId, string loginBase, string scope)
    {
        var now = clock.GetUtcNow();
        var grant = new RefreshGrant
        {
            Token = "5Aep" + RandomToken(64), OrgKey = orgKey, UserId = userId, ClientId = clientId, LoginBase = loginBase, Scope = scope,
            CreatedAt = now, LastUsedAt = now,
        };
        lock (_sync)
        {
            _refresh[grant.Token] = grant;
            var live = _refresh.Values.Where(r => !r.Revoked && r.UserId == userId && r.ClientId == clientId).OrderBy(r => r.CreatedAt).ThenBy(r => r.Token == grant.Token).ToList();
            foreach (var oldest in live.Take(Math.Max(0, live.Count - MaxApprovalsPerUserAndApp))) RevokeRefreshLocked(oldest);
        }
        return grant;
    }

    public AccessGrant? FindAccess(string token)
    {
        lock (_sync) return _access.GetValueOrDefault(token);
    }

    public RefreshGrant? FindRefresh(string token)
    {
        lock (_sync) return _refresh.GetValueOrDefault(token);
    }

    public IReadOnlyList<RefreshGrant> Approvals(string userId, string clientId)
    {
        lock (_sync) return _refresh.Values.Where(r => !r.Revoked && r.UserId == userId && r.ClientId == clientId).OrderBy(r => r.CreatedAt).ToList();
    }

    /// <summary>Revokes an access or refresh token; revoking a refresh token revokes the access tokens issued from it.</summary>
    public bool Revoke(string token)
    {
        lock (_sync)
        {
            if (_refresh.TryGetValue(token, out var refresh))
            {
                if (refresh.Revoked) return false;
                RevokeRefreshLocked(refresh);
                return true;
            }
            if (_access.TryGetValue(token, out var access) && !access.Revoked)
            {
                access.Revoked = true;
                return true;
            }
            return false;
        }
    }

    private void RevokeRefreshLocked(RefreshGrant refresh)
    {
        refresh.Revoked = true;
        foreach (var a in _access.Values.Where(a => a.RefreshToken == refresh.Token)) a.Revoked = true;
    }

    /// <summary>Fault: every access token issued so far stops working (clients must refresh).</summary>
    public int ExpireAllAccessTokens()
    {
        var now = clock.GetUtcNow();
        lock (_sync)
        {
            var n = 0;
            foreach (var a in _access.Values.Where(a => a.ExpiresAt > now))
            {
                a.ExpiresAt = now;
                n++;
            }
            return n;
        }
    }

    /// <summary>Fault: revokes every refresh token of a user (optionally for one app); returns how many.</summary>
    public int RevokeRefreshTokens(string? userId, string? clientId)
    {
        lock (_sync)
        {
            var hits = _refresh.Values.Where(r => !r.Revoked && (userId is null || r.UserId == userId) && (clientId is null || r.ClientId == clientId)).ToList();
            foreach (var r in hits) RevokeRefreshLocked(r);
            return hits.Count;
        }
    }

    public LoginSession NewSession(string orgKey, string userId, string hostBase)
    {
        var session = new LoginSession(RandomToken(24), orgKey, userId, hostBase);
        lock (_sync)
        {
            _sessions[session.Id] = session;
            _sessionSeen[session.Id] = clock.GetUtcNow();
        }
        return session;
    }

    public LoginSession? FindSession(string? id)
    {
        if (id is null) return null;
        var now = clock.GetUtcNow();
        lock (_sync)
        {
            if (!_sessions.TryGetValue(id, out var session)) return null;
            if (now - _sessionSeen[id] > SessionIdleTimeout)
            {
                _sessions.Remove(id);
                _sessionSeen.Remove(id);
                return null;
            }
            _sessionSeen[id] = now;
            return session;
        }
    }

    public void EndSession(string id)
    {
        lock (_sync)
        {
            _sessions.Remove(id);
            _sessionSeen.Remove(id);
        }
    }

    /// <summary>Every access token issued, for tests and the data file.</summary>
    public IEnumerable<AccessGrant> AllAccess
    {
        get
        {
            lock (_sync) return _access.Values.ToList();
        }
    }

    public IEnumerable<RefreshGrant> AllRefresh
    {
        get
        {
            lock (_sync) return _refresh.Values.ToList();
        }
    }

    internal void Restore(IEnumerable<AccessGrant> access, IEnumerable<RefreshGrant> refresh)
    {
        lock (_sync)
        {
            foreach (var a in access) _access[a.Token] = a;
            foreach (var r in refresh) _refresh[r.Token] = r;
        }
    }
}
