using System.Text.Json.Nodes;
using ContactBridge.Emulator.Schema;

namespace ContactBridge.Emulator.Records;

/// <summary>
/// A compound address's value (MailingAddress, BillingAddress, a lead's Address), read from its parts: null when every part is
/// empty, otherwise the object the REST API gives (street, city, state, postalCode, country, latitude, longitude, geocodeAccuracy).
/// </summary>
public sealed record PostalAddress(string? Street, string? City, string? State, string? PostalCode, string? Country, decimal? Latitude, decimal? Longitude, string? GeocodeAccuracy)
{
    public static PostalAddress? Of(SRecord record, FieldDef address)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(address);
        // An empty part reads as null, as Salesforce gives it.
        object? Part(string part) => record.Type.PartsOf(address.Name).FirstOrDefault(p => p.CompoundPart == part) is { } f
            && record.Values.GetValueOrDefault(f.Name) is { } v && v is not "" ? v : null;
        var value = new PostalAddress(Part("Street") as string, Part("City") as string, Part("State") as string, Part("PostalCode") as string,
            Part("Country") as string, Part("Latitude") as decimal?, Part("Longitude") as decimal?, Part("GeocodeAccuracy") as string);
        return value == Empty ? null : value;
    }

    private static readonly PostalAddress Empty = new(null, null, null, null, null, null, null, null);

    public JsonObject ToJson() => new()
    {
        ["city"] = City, ["country"] = Country, ["geocodeAccuracy"] = GeocodeAccuracy, ["latitude"] = Latitude, ["longitude"] = Longitude,
        ["postalCode"] = PostalCode, ["state"] = State, ["street"] = Street,
    };

    /// <summary>The address as one would write it on an envelope: street, then city, state and postal code, then country.</summary>
    public override string ToString()
    {
        var region = string.Join(" ", new[] { State, PostalCode }.Where(p => !string.IsNullOrEmpty(p)));
        var cityLine = string.IsNullOrEmpty(City) ? region : region.Length == 0 ? City : $"{City}, {region}";
        return string.Join("\n", new[] { Street, cityLine, Country }.Where(l => !string.IsNullOrEmpty(l)));
    }
}
