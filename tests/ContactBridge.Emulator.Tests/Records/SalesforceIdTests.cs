using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Tests.Records;

public sealed class SalesforceIdTests
{
    // The known pairs from Salesforce's documentation (see the wire notes).
    [Theory]
    [InlineData("001A0000006Vm9r", "001A0000006Vm9rIAC")]
    [InlineData("003A0000005QB3A", "003A0000005QB3AIAW")]
    [InlineData("003A0000008qb1s", "003A0000008qb1sIAA")]
    [InlineData("00558000001N0Ke", "00558000001N0KeAAK")]
    [InlineData("00D0Q0000008aI9", "00D0Q0000008aI9UAI")]
    [InlineData("0016E00000YbJrD", "0016E00000YbJrDQAV")]
    public void Fifteen_character_ids_convert_to_the_known_eighteen_character_form(string id15, string id18)
    {
        SalesforceId.To18(id15).ShouldBe(id18);
        SalesforceId.TryNormalize(id15, out var normalized).ShouldBeTrue();
        normalized.ShouldBe(id18);
        SalesforceId.TryNormalize(id18.ToLowerInvariant()[..15] == id15 ? id18 : id18, out var same).ShouldBeTrue();
        same.ShouldBe(id18);
    }

    [Theory]
    [InlineData("001A0000006Vm9rAAA")]   // wrong checksum
    [InlineData("001A0000006Vm9")]       // 14 characters
    [InlineData("001A0000006Vm9r-AC")]   // not alphanumeric
    [InlineData("")]
    public void Malformed_ids_are_rejected(string value) => SalesforceId.TryNormalize(value, out _).ShouldBeFalse();

    [Fact]
    public void New_ids_carry_the_key_prefix_and_a_valid_checksum()
    {
        var id = SalesforceId.New("003", "E0", 12345);
        id.Length.ShouldBe(18);
        id.ShouldStartWith("003");
        SalesforceId.TryNormalize(id[..15], out var again).ShouldBeTrue();
        again.ShouldBe(id);
        SalesforceId.New("003", "E0", 12346).ShouldNotBe(id);
    }
}
