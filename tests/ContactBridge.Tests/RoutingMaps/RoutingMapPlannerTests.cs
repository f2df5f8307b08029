using ContactBridge.RoutingMaps;
using ContactBridge.Salesforce;

namespace ContactBridge.Tests.RoutingMaps;

/// <summary>Building and checking a call center's routing map before anything is written to Salesforce.</summary>
public sealed class RoutingMapPlannerTests
{
    private static readonly string CallCenter = Id18("04vE00000000001");

    private static string Id18(string id15) => SalesforceIds.TryNormalize(id15, out var id) ? id : throw new ArgumentException(id15);

    [Theory]
    [InlineData("001A0000006Vm9r", "001A0000006Vm9rIAC")]
    [InlineData("003A0000005QB3A", "003A0000005QB3AIAW")]
    [InlineData("003A0000008qb1s", "003A0000008qb1sIAA")]
    [InlineData("00558000001N0Ke", "00558000001N0KeAAK")]
    [InlineData("00D0Q0000008aI9", "00D0Q0000008aI9UAI")]
    [InlineData("0016E00000YbJrD", "0016E00000YbJrDQAV")]
    public void Fifteen_character_ids_become_their_18_character_form_and_18_character_ids_keep_or_regain_their_case(string id15, string id18)
    {
        SalesforceIds.TryNormalize(id15, out var converted).ShouldBeTrue();
        converted.ShouldBe(id18);
        SalesforceIds.TryNormalize(id18, out var same).ShouldBeTrue();
        same.ShouldBe(id18);
        // A spreadsheet that upper- or lower-cased the id: the check characters restore it.
        SalesforceIds.TryNormalize(id18.ToLowerInvariant(), out var restored).ShouldBeTrue();
        restored.ShouldBe(id18);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("005E0000000001")]
    [InlineData("005E00000000001A")]
    [InlineData("005E0000000-001")]
    [InlineData("005E00000000001AA5")]
    [InlineData("00558000001N0Ke999")]
    public void Malformed_ids_are_refused(string? id) => SalesforceIds.TryNormalize(id, out _).ShouldBeFalse();

    private static SalesforceUser User(string id, string username, string? alias = null, bool active = true, string? callCenter = null) =>
        new(id, username, username, alias ?? username.Split('@')[0], null, active, callCenter ?? CallCenter[..15]);

    [Fact]
    public void Matched_users_get_the_documented_fields_and_every_problem_is_reported_with_its_row()
    {
        var ada = User("00558000001N0Ke", "ada@acme.example");
        var grace = User(Id18("005E00000000002"), "grace@acme.example");
        var twinA = User(Id18("005E00000000003"), "twin1@acme.example", alias: "twin");
        var twinB = User(Id18("005E00000000004"), "twin2@acme.example", alias: "twin");
        var gone = User(Id18("005E00000000005"), "gone@acme.example", active: false);
        var spare = User(Id18("005E00000000006"), "spare@acme.example");
        var mapped = User(Id18("005E00000000007"), "mapped@acme.example");
        var existing = new[] { new ExistingRoutingMap(Id18("0hnE00000000001"), RoutingMapPlanner.DeveloperName(Id18("005E00000000007"), CallCenter), "mapped.agent", Id18("005E00000000007"), null) };
        var input = new[]
        {
            new TelephonyUser(1, "ada.agent", "ADA@acme.example", "1667231e-41b6-b14a-d65e00cadec1"),
            new TelephonyUser(2, "grace.agent", "grace@acme.example"),
            new TelephonyUser(3, "ada.agent", "grace@acme.example"),
            new TelephonyUser(4, "", "spare@acme.example"),
            new TelephonyUser(5, "twin.agent", "twin@acme.example"),
            new TelephonyUser(6, "gone.agent", "gone@acme.example"),
            new TelephonyUser(7, "stranger.agent", "stranger@elsewhere.example"),
            new TelephonyUser(8, "grace.again", "grace@acme.example"),
            new TelephonyUser(9, "mapped.agent.new", "mapped@acme.example"),
            new TelephonyUser(10, new string('x', 256), "spare@acme.example"),
        };

        var plan = RoutingMapPlanner.Build(input, [ada, grace, twinA, twinB, gone, spare, mapped], CallCenter[..15], existing, MatchBy.Email, ExistingMapPolicy.Skip);

        plan.IsValid.ShouldBeFalse();
        var first = plan.Rows.Single(r => r.Row == 1);
        first.ReferenceRecordId.ShouldBe("00558000001N0KeAAK");
        first.CallCenterId.ShouldBe(CallCenter);
        first.DeveloperName.ShouldBe($"User_00558000001N0KeAAK_{CallCenter}");
        first.MasterLabel.ShouldBe("00558000001N0KeAAK");
        first.QuickConnect.ShouldBe("1667231e-41b6-b14a-d65e00cadec1");
        first.Action.ShouldBe(RowAction.Create);
        plan.Rows.Single(r => r.Row == 9).Action.ShouldBe(RowAction.Skipped);
        plan.Problems.Select(p => p.Row).ShouldBe([3, 4, 6, 8, 10]);
        plan.Problems.Single(p => p.Row == 3).Message.ShouldContain("also on row 1");
        plan.Problems.Single(p => p.Row == 4).Message.ShouldContain("ExternalId is empty");
        plan.Problems.Single(p => p.Row == 6).Message.ShouldContain("inactive");
        plan.Problems.Single(p => p.Row == 8).Message.ShouldContain("also matched on row 2");
        plan.Problems.Single(p => p.Row == 10).Message.ShouldContain("255");
        plan.UnmatchedTelephonyUsers.Select(t => t.Row).ShouldBe([5, 7]);
        plan.UnmappedSalesforceUsers.Select(u => u.Username).ShouldBe(["twin1@acme.example", "twin2@acme.example", "spare@acme.example"]);

        // Matching by alias: two users share one, so that row says to match by another field.
        var byAlias = RoutingMapPlanner.Build([new TelephonyUser(1, "twin.agent", "twin")], [twinA, twinB], CallCenter, [], MatchBy.Alias, ExistingMapPolicy.Skip);
        byAlias.Problems.Single().Message.ShouldContain("match by another field");
    }

    [Fact]
    public void Already_mapped_users_are_updated_only_when_asked_and_an_identical_map_is_left_alone()
    {
        var user = User(Id18("005E00000000007"), "mapped@acme.example");
        var name = RoutingMapPlanner.DeveloperName(user.Id, CallCenter);
        var existing = new[] { new ExistingRoutingMap(Id18("0hnE00000000001"), name, "old.agent", user.Id, null) };

        RoutingMapPlanner.Build([new TelephonyUser(1, "new.agent", user.Username)], [user], CallCenter, existing, MatchBy.Username, ExistingMapPolicy.Update)
            .Rows.Single().ShouldSatisfyAllConditions(r => r.Action.ShouldBe(RowAction.Update), r => r.ExistingId.ShouldBe(Id18("0hnE00000000001")));
        RoutingMapPlanner.Build([new TelephonyUser(1, "old.agent", user.Username)], [user], CallCenter, existing, MatchBy.Username, ExistingMapPolicy.Update)
            .Rows.Single().Action.ShouldBe(RowAction.Unchanged);

        // A telephony user already mapped to someone else is a problem, not a silent re-map.
        var other = User(Id18("005E00000000008"), "other@acme.example");
        RoutingMapPlanner.Build([new TelephonyUser(1, "old.agent", other.Username)], [user, other], CallCenter, existing, MatchBy.Username, ExistingMapPolicy.Update)
            .Problems.Single().Message.ShouldContain("already mapped to another Salesforce user");
        RoutingMapPlanner.Build([], [user], "001A0000006Vm9r", [], MatchBy.Email, ExistingMapPolicy.Skip).Problems.Single().Message.ShouldContain("not a call center id");
    }

    [Fact]
    public void The_export_has_the_documented_columns_in_order_and_quotes_what_needs_it()
    {
        var csv = RoutingMapCsv.Write([new RoutingMapRow(1, "arn:aws:connect:us-east-1:1:instance/x/agent/\"a,b\"", Id18("005E00000000007"), CallCenter, "User_" + Id18("005E00000000007") + "_" + CallCenter, Id18("005E00000000007"), null, RowAction.Create)]);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("ExternalId,ReferenceRecordId,CallCenterId,DeveloperName,QuickConnect,MasterLabel");
        lines[1].ShouldBe($"\"arn:aws:connect:us-east-1:1:instance/x/agent/\"\"a,b\"\"\",{Id18("005E00000000007")},{CallCenter},User_{Id18("005E00000000007")}_{CallCenter},,{Id18("005E00000000007")}");
    }
}
