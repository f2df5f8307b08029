using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Org;
using ContactBridge.Emulator.Tests.Support;

namespace ContactBridge.Emulator.Tests.OAuth;

public sealed class OAuthFlowTests
{
    private const string Callback = "http://127.0.0.1:5180/linking/callback";

    private static string AuthorizeUrl(string host = "/login", string clientId = WellKnown.ClientId, string redirect = Callback, string? challenge = null, string state = "s1", string scope = "api refresh_token id") =>
        $"{host}/services/oauth2/authorize?response_type=code&client_id={Uri.EscapeDataString(clientId)}&redirect_uri={Uri.EscapeDataString(redirect)}&scope={Uri.EscapeDataString(scope)}&state={state}"
        + (challenge is null ? "" : $"&code_challenge={challenge}&code_challenge_method=S256");

    private static (string Verifier, string Challenge) Pkce()
    {
        var verifier = OAuthEndpoints.Base64Url(RandomNumberGenerator.GetBytes(48));
        return (verifier, OAuthEndpoints.Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    private static Dictionary<string, string> CodeGrant(string code, string? verifier = null, string redirect = Callback, string secret = WellKnown.ClientSecret)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["client_id"] = WellKnown.ClientId, ["client_secret"] = secret, ["redirect_uri"] = redirect,
        };
        if (verifier is not null) form["code_verifier"] = verifier;
        return form;
    }

    [Fact]
    public async Task Authorization_code_with_pkce_issues_tokens_whose_signature_and_identity_check_out()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var browser = new BrowserLogin(emulator.BaseUri);
        using var client = new EmulatorClient(emulator);
        var (verifier, challenge) = Pkce();

        var callback = await browser.AuthorizeAsync(AuthorizeUrl(challenge: challenge), WellKnown.AdminUsername, WellKnown.AdminPassword);
        callback["state"].ShouldBe("s1");
        var token = await client.TokenAsync(CodeGrant(callback["code"], verifier), "/login");

        token.Code.ShouldBe(200, token.Body?.ToJsonString());
        var body = token.Object;
        body["token_type"]!.GetValue<string>().ShouldBe("Bearer");
        body["instance_url"]!.GetValue<string>().ShouldBe(emulator.InstanceUrl);
        body["access_token"]!.GetValue<string>().ShouldStartWith(emulator.State.DefaultOrg.Id[..15] + "!");
        body["refresh_token"].ShouldNotBeNull();
        var id = body["id"]!.GetValue<string>();
        id.ShouldStartWith(emulator.ProductionLoginUrl + "/id/" + emulator.State.DefaultOrg.Id + "/005");
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WellKnown.ClientSecret), Encoding.UTF8.GetBytes(id + body["issued_at"]!.GetValue<string>())));
        body["signature"]!.GetValue<string>().ShouldBe(expected);

        client.AccessToken = body["access_token"]!.GetValue<string>();
        var identity = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(id)));
        identity.Object["username"]!.GetValue<string>().ShouldBe(WellKnown.AdminUsername);
        identity.Object["urls"]!["query"]!.GetValue<string>().ShouldBe(emulator.InstanceUrl + "/services/data/v{version}/query/");
        var userinfo = await client.GetAsync("/services/oauth2/userinfo");
        userinfo.Object["preferred_username"]!.GetValue<string>().ShouldBe(WellKnown.AdminUsername);
        userinfo.Object["organization_id"]!.GetValue<string>().ShouldBe(emulator.State.DefaultOrg.Id);
    }

    [Fact]
    public async Task Deny_redirects_with_access_denied_and_the_state()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var browser = new BrowserLogin(emulator.BaseUri);
        var callback = await browser.AuthorizeAsync(AuthorizeUrl(state: "xyz"), WellKnown.AdminUsername, WellKnown.AdminPassword, decision: "deny");
        callback["error"].ShouldBe("access_denied");
        callback["error_description"].ShouldBe("end-user denied authorization");
        callback["state"].ShouldBe("xyz");
        callback.ShouldNotContainKey("code");
    }

    [Fact]
    public async Task Wrong_redirect_uri_or_unknown_client_shows_an_error_page_and_never_redirects()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var browser = new BrowserLogin(emulator.BaseUri);
        var wrongRedirect = await browser.GetAsync(AuthorizeUrl(redirect: "https://attacker.example/cb"));
        wrongRedirect.Status.ShouldBe(HttpStatusCode.BadRequest);
        wrongRedirect.Html.ShouldContain("error=redirect_uri_mismatch");
        wrongRedirect.Location.ShouldBeNull();
        var unknownClient = await browser.GetAsync(AuthorizeUrl(clientId: "nope"));
        unknownClient.Html.ShouldContain("error=invalid_client_id");
    }

    [Fact]
    public async Task Wrong_password_and_inactive_user_are_refused_on_the_login_page()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var browser = new BrowserLogin(emulator.BaseUri);
        var page = await browser.GetAsync(AuthorizeUrl());
        var failed = await browser.SubmitAsync(page, "login_form", new Dictionary<string, string> { ["username"] = WellKnown.AdminUsername, ["pw"] = "wrong" });
        failed.Status.ShouldBe(HttpStatusCode.OK);
        failed.Html.ShouldContain("Please check your username and password");

        using var admin = new HttpClient { BaseAddress = emulator.BaseUri };
        (await admin.PatchAsJsonAsync($"/_emulator/users/{WellKnown.IntegrationUsername}", new { active = false }, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var inactive = await browser.SubmitAsync(page, "login_form", new Dictionary<string, string> { ["username"] = WellKnown.IntegrationUsername, ["pw"] = WellKnown.IntegrationPassword });
        inactive.Html.ShouldContain("inactive");
    }

    [Fact]
    public async Task A_code_is_single_use_and_expires_after_fifteen_minutes()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var browser = new BrowserLogin(emulator.BaseUri);
        using var client = new EmulatorClient(emulator);
        var code = (await browser.AuthorizeAsync(AuthorizeUrl(), WellKnown.AdminUsername, WellKnown.AdminPassword))["code"];
        (await client.TokenAsync(CodeGrant(code))).Code.ShouldBe(200);
        var reused = await client.TokenAsync(CodeGrant(code));
        reused.Code.ShouldBe(400);
        reused.Object["error"]!.GetValue<string>().ShouldBe("invalid_grant");
        reused.Object["error_description"]!.GetValue<string>().ShouldBe("invalid authorization code");

        var second = (await browser.AuthorizeAsync(AuthorizeUrl(), WellKnown.AdminUsername, WellKnown.AdminPassword))["code"];
        emulator.State.Clock.Advance(TimeSpan.FromMinutes(16));
        var expired = await client.TokenAsync(CodeGrant(second));
        expired.Object["error"]!.GetValue<string>().ShouldBe("invalid_grant");
        expired.Object["error_description"]!.GetValue<string>().ShouldBe("expired authorization code");
    }

    [Fact]
    public async Task Token_request_errors_use_salesforce_codes()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var browser = new BrowserLogin(emulator.BaseUri);
        using var client = new EmulatorClient(emulator);
        var (_, challenge) = Pkce();
        var code = (await browser.AuthorizeAsync(AuthorizeUrl(challenge: challenge), WellKnown.AdminUsername, WellKnown.AdminPassword))["code"];

        async Task<string> Error(Dictionary<string, string> form) => (await client.TokenAsync(form)).Object["error"]!.GetValue<string>();
        (await Error(CodeGrant(code, "not-the-verifier"))).ShouldBe("invalid_grant");
        (await Error(CodeGrant(code, redirect: "http://localhost:1717/OauthRedirect"))).ShouldBe("redirect_uri_mismatch");
        (await Error(CodeGrant(code, secret: "wrong"))).ShouldBe("invalid_client");
        (await Error(new() { ["grant_type"] = "authorization_code", ["client_id"] = "unknown", ["code"] = code })).ShouldBe("invalid_client_id");
        (await Error(new() { ["grant_type"] = "implicit", ["client_id"] = WellKnown.ClientId })).ShouldBe("unsupported_grant_type");
        var description = (await client.TokenAsync(CodeGrant(code, "not-the-verifier"))).Object["error_description"]!.GetValue<string>();
        description.ShouldBe("invalid code verifier");
    }

    [Fact]
    public async Task An_app_that_requires_pkce_refuses_an_authorize_request_without_a_challenge()
    {
        var seed = new SeedFile
        {
            Orgs = [new SeedOrg { ConnectedApps = [new SeedConnectedApp { Name = "Strict", ClientId = "strict", ClientSecret = "s", CallbackUrls = [Callback], RequirePkce = true }] }],
        };
        await using var emulator = await TestEmulator.StartAsync(seed);
        using var browser = new BrowserLogin(emulator.BaseUri);
        var page = await browser.GetAsync(AuthorizeUrl(clientId: "strict"));
        page.Status.ShouldBe(HttpStatusCode.Redirect);
        var query = BrowserLogin.Query(page.Location!);
        query["error"].ShouldBe("invalid_request");
        query["error_description"].ShouldContain("code challenge");
    }

    [Fact]
    public async Task Refresh_token_works_until_revoked_and_revoking_it_kills_its_access_tokens()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var browser = new BrowserLogin(emulator.BaseUri);
        using var client = new EmulatorClient(emulator);
        var code = (await browser.AuthorizeAsync(AuthorizeUrl(), WellKnown.AdminUsername, WellKnown.AdminPassword))["code"];
        var tokens = (await client.TokenAsync(CodeGrant(code))).Object;
        var refresh = tokens["refresh_token"]!.GetValue<string>();
        Dictionary<string, string> RefreshGrant() => new()
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = refresh, ["client_id"] = WellKnown.ClientId, ["client_secret"] = WellKnown.ClientSecret,
            ["code_verifier"] = "ignored-extra-field",
        };
        var refreshed = await client.TokenAsync(RefreshGrant());
        refreshed.Code.ShouldBe(200, refreshed.Body?.ToJsonString());
        refreshed.Object.ContainsKey("refresh_token").ShouldBeFalse();
        client.AccessToken = refreshed.Object["access_token"]!.GetValue<string>();
        (await client.GetAsync("/limits")).Code.ShouldBe(200);

        var revoke = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/services/oauth2/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = refresh }),
        }, authorize: false);
        revoke.Code.ShouldBe(200);
        (await client.GetAsync("/limits")).ErrorCode.ShouldBe("INVALID_SESSION_ID");
        var after = await client.TokenAsync(RefreshGrant());
        after.Object["error"]!.GetValue<string>().ShouldBe("invalid_grant");
        after.Object["error_description"]!.GetValue<string>().ShouldBe("expired access/refresh token");
        var again = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/services/oauth2/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "never-issued" }),
        }, authorize: false);
        again.Code.ShouldBe(400);
        again.Object["error"]!.GetValue<string>().ShouldBe("invalid_token");
    }

    [Fact]
    public async Task Refresh_token_idle_longer_than_the_app_policy_expires()
    {
        var seed = new SeedFile
        {
            Orgs = [new SeedOrg { ConnectedApps = [new SeedConnectedApp { Name = "Idle", ClientId = "idle", ClientSecret = "s", CallbackUrls = [Callback], RefreshTokenIdleTimeoutSeconds = 3600 }] }],
        };
        await using var emulator = await TestEmulator.StartAsync(seed);
        using var browser = new BrowserLogin(emulator.BaseUri);
        using var client = new EmulatorClient(emulator);
        var code = (await browser.AuthorizeAsync(AuthorizeUrl(clientId: "idle"), WellKnown.AdminUsername, WellKnown.AdminPassword))["code"];
        var refresh = (await client.TokenAsync(new() { ["grant_type"] = "authorization_code", ["code"] = code, ["client_id"] = "idle", ["client_secret"] = "s", ["redirect_uri"] = Callback }))
            .Object["refresh_token"]!.GetValue<string>();
        var grant = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh, ["client_id"] = "idle", ["client_secret"] = "s" };
        emulator.State.Clock.Advance(TimeSpan.FromMinutes(50));
        (await client.TokenAsync(grant)).Code.ShouldBe(200);
        emulator.State.Clock.Advance(TimeSpan.FromMinutes(50));
        (await client.TokenAsync(grant)).Code.ShouldBe(200, "use resets the idle clock");
        emulator.State.Clock.Advance(TimeSpan.FromMinutes(61));
        (await client.TokenAsync(grant)).Object["error_description"]!.GetValue<string>().ShouldBe("expired access/refresh token");
    }

    [Fact]
    public async Task A_sixth_approval_of_the_same_app_revokes_the_oldest()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = new EmulatorClient(emulator);
        var refreshTokens = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            using var browser = new BrowserLogin(emulator.BaseUri);
            var code = (await browser.AuthorizeAsync(AuthorizeUrl(), WellKnown.IntegrationUsername, WellKnown.IntegrationPassword))["code"];
            refreshTokens.Add((await client.TokenAsync(CodeGrant(code))).Object["refresh_token"]!.GetValue<string>());
        }
        var user = emulator.State.FindUser(WellKnown.IntegrationUsername)!.Value.User;
        emulator.State.OAuth.Approvals(user.Id, WellKnown.ClientId).Count.ShouldBe(OAuthStore.MaxApprovalsPerUserAndApp);
        emulator.State.OAuth.FindRefresh(refreshTokens[0])!.Revoked.ShouldBeTrue();
        refreshTokens.Skip(1).ShouldAllBe(t => !emulator.State.OAuth.FindRefresh(t)!.Revoked);
    }

    [Fact]
    public async Task Production_and_sandbox_login_hosts_only_serve_their_own_orgs()
    {
        var seed = new SeedFile { Orgs = [new SeedOrg { Key = "default" }, new SeedOrg { Key = "uat", Sandbox = true }] };
        await using var emulator = await TestEmulator.StartAsync(seed);
        using var client = new EmulatorClient(emulator);
        Dictionary<string, string> Password(string username, string password, string clientId, string secret) => new()
        {
            ["grant_type"] = "password", ["client_id"] = clientId, ["client_secret"] = secret, ["username"] = username, ["password"] = password,
        };
        var sandboxUser = WellKnown.AdminUsername + ".uat";
        var sandboxApp = WellKnown.ClientId + ".uat";
        var sandboxSecret = WellKnown.ClientSecret + ".uat";
        (await client.TokenAsync(Password(sandboxUser, WellKnown.AdminPassword, sandboxApp, sandboxSecret), "/login")).Object["error"]!.GetValue<string>().ShouldBe("invalid_grant");
        var ok = await client.TokenAsync(Password(sandboxUser, WellKnown.AdminPassword, sandboxApp, sandboxSecret), "/test");
        ok.Code.ShouldBe(200, ok.Body?.ToJsonString());
        ok.Object["instance_url"]!.GetValue<string>().ShouldBe(emulator.InstanceUrlOf("uat"));
        ok.Object["id"]!.GetValue<string>().ShouldStartWith(emulator.SandboxLoginUrl + "/id/");
        (await client.TokenAsync(Password(WellKnown.AdminUsername, WellKnown.AdminPassword, WellKnown.ClientId, WellKnown.ClientSecret), "/test"))
            .Object["error"]!.GetValue<string>().ShouldBe("invalid_grant");

        // A sandbox token is refused on the production org's instance, as a token is bound to its org's host.
        client.AccessToken = ok.Object["access_token"]!.GetValue<string>();
        (await client.GetAsync("/limits")).ErrorCode.ShouldBe("INVALID_SESSION_ID");
        (await client.GetAsync($"/orgs/uat/services/data/v{EmulatorClient.Version}/limits")).Code.ShouldBe(200);
    }

    [Fact]
    public async Task Client_credentials_runs_as_the_configured_user_on_my_domain_only()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var client = new EmulatorClient(emulator);
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = WellKnown.ClientId, ["client_secret"] = WellKnown.ClientSecret };
        var onLogin = await client.TokenAsync(form, "/login");
        onLogin.Object["error_description"]!.GetValue<string>().ShouldBe("request not supported on this domain");
        var onMyDomain = await client.TokenAsync(form);
        onMyDomain.Code.ShouldBe(200, onMyDomain.Body?.ToJsonString());
        onMyDomain.Object.ContainsKey("refresh_token").ShouldBeFalse();
        client.AccessToken = onMyDomain.Object["access_token"]!.GetValue<string>();
        (await client.GetAsync("/services/oauth2/userinfo")).Object["preferred_username"]!.GetValue<string>().ShouldBe(WellKnown.IntegrationUsername);
        form["client_secret"] = "wrong";
        (await client.TokenAsync(form)).Object["error"]!.GetValue<string>().ShouldBe("invalid_client");
    }

    [Fact]
    public async Task Jwt_bearer_accepts_a_signed_assertion_with_login_or_instance_audience_and_rejects_a_forged_one()
    {
        using var rsa = RSA.Create(2048);
        var seed = new SeedFile
        {
            Orgs = [new SeedOrg { ConnectedApps = [new SeedConnectedApp { Name = "Jwt", ClientId = "jwt-app", ClientSecret = "s", JwtPublicKeyPem = rsa.ExportSubjectPublicKeyInfoPem() }] }],
        };
        await using var emulator = await TestEmulator.StartAsync(seed);
        using var client = new EmulatorClient(emulator);
        string Assertion(RSA key, string aud, long exp)
        {
            static string B64(string json) => OAuthEndpoints.Base64Url(Encoding.UTF8.GetBytes(json));
            var unsigned = B64("{\"alg\":\"RS256\"}") + "." + B64(new JsonObject { ["iss"] = "jwt-app", ["sub"] = WellKnown.IntegrationUsername, ["aud"] = aud, ["exp"] = exp }.ToJsonString());
            return unsigned + "." + OAuthEndpoints.Base64Url(key.SignData(Encoding.ASCII.GetBytes(unsigned), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
        Dictionary<string, string> Grant(string assertion) => new() { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer", ["assertion"] = assertion };
        var exp = DateTimeOffset.UtcNow.AddMinutes(3).ToUnixTimeSeconds();

        (await client.TokenAsync(Grant(Assertion(rsa, emulator.ProductionLoginUrl, exp)), "/login")).Code.ShouldBe(200);
        // The Salesforce CLI's form: audience = instance URL with a slash, exp in milliseconds.
        (await client.TokenAsync(Grant(Assertion(rsa, emulator.InstanceUrl + "/", exp * 1000)), "/login")).Code.ShouldBe(200);
        using var other = RSA.Create(2048);
        (await client.TokenAsync(Grant(Assertion(other, emulator.ProductionLoginUrl, exp)), "/login")).Object["error"]!.GetValue<string>().ShouldBe("invalid_grant");
        (await client.TokenAsync(Grant(Assertion(rsa, "https://login.salesforce.com", exp)), "/login")).Object["error_description"]!.GetValue<string>().ShouldBe("audience is invalid");
        (await client.TokenAsync(Grant(Assertion(rsa, emulator.ProductionLoginUrl, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds())), "/login"))
            .Object["error"]!.GetValue<string>().ShouldBe("invalid_grant");
    }

    [Fact]
    public async Task Password_grant_takes_password_plus_security_token_and_issues_no_refresh_token()
    {
        var seed = new SeedFile
        {
            Orgs = [new SeedOrg { Users = [new SeedUser { Username = "legacy@acme.example", Password = "pw1", SecurityToken = "TOKEN123", LastName = "Legacy", Profile = WellKnown.ProfileApiOnly }] }],
        };
        await using var emulator = await TestEmulator.StartAsync(seed);
        using var client = new EmulatorClient(emulator);
        Dictionary<string, string> Form(string password) => new()
        {
            ["grant_type"] = "password", ["client_id"] = WellKnown.ClientId, ["client_secret"] = WellKnown.ClientSecret, ["username"] = "legacy@acme.example", ["password"] = password,
        };
        var ok = await client.TokenAsync(Form("pw1TOKEN123"), "/login");
        ok.Code.ShouldBe(200);
        ok.Object.ContainsKey("refresh_token").ShouldBeFalse();
        (await client.TokenAsync(Form("pw1"), "/login")).Object["error_description"]!.GetValue<string>().ShouldBe("authentication failure");
    }

    [Fact]
    public async Task A_deactivated_user_can_no_longer_refresh_or_call_the_api()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var browser = new BrowserLogin(emulator.BaseUri);
        using var client = new EmulatorClient(emulator);
        var code = (await browser.AuthorizeAsync(AuthorizeUrl(), WellKnown.IntegrationUsername, WellKnown.IntegrationPassword))["code"];
        var tokens = (await client.TokenAsync(CodeGrant(code))).Object;
        client.AccessToken = tokens["access_token"]!.GetValue<string>();
        (await client.GetAsync("/limits")).Code.ShouldBe(200);

        (await client.Http.PatchAsJsonAsync($"/_emulator/users/{WellKnown.IntegrationUsername}", new { active = false }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        (await client.GetAsync("/limits")).ErrorCode.ShouldBe("INVALID_SESSION_ID");
        var refresh = await client.TokenAsync(new()
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = tokens["refresh_token"]!.GetValue<string>(), ["client_id"] = WellKnown.ClientId, ["client_secret"] = WellKnown.ClientSecret,
        });
        refresh.Object["error"]!.GetValue<string>().ShouldBe("inactive_user");
    }

    [Fact]
    public async Task Prompt_login_consent_forces_one_fresh_sign_in_and_the_consent_page()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var browser = new BrowserLogin(emulator.BaseUri);
        (await browser.AuthorizeAsync(AuthorizeUrl(), WellKnown.AdminUsername, WellKnown.AdminPassword)).ShouldContainKey("code");
        var again = await browser.GetAsync(AuthorizeUrl() + "&prompt=" + Uri.EscapeDataString("login consent"));
        again.Html.ShouldContain("id=\"login_form\"");
        var afterLogin = await browser.SubmitAsync(again, "login_form", new Dictionary<string, string> { ["username"] = WellKnown.AdminUsername, ["pw"] = WellKnown.AdminPassword });
        afterLogin.Location!.Query.ShouldContain("prompt=consent");
        var consent = await browser.GetAsync(afterLogin.Location!.ToString());
        consent.Html.ShouldContain("Allow Access?");
    }
}
