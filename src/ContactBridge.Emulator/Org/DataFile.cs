using System.Text.Json;
using System.Text.Json.Nodes;
using ContactBridge.Emulator.OAuth;
using ContactBridge.Emulator.Records;

namespace ContactBridge.Emulator.Org;

/// <summary>
/// Keeps org data (records, credentials, API usage, OAuth grants) in one JSON file so a demo org
/// survives a restart. The schema comes from the seed each time; the file holds only data.
/// Written to a temporary file and renamed, so a crash mid-write never leaves half a file.
/// </summary>
public sealed class DataFile(EmulatorState state, string path)
{
    private readonly Dictionary<string, long> _savedVersions = new(StringComparer.Ordinal);
    private readonly object _sync = new();

    public string Path { get; } = path;

    public void Load()
    {
        if (!File.Exists(Path)) return;
        var root = JsonNode.Parse(File.ReadAllText(Path))!.AsObject();
        foreach (var orgNode in root["orgs"]!.AsArray())
        {
            var org = state.FindOrg(orgNode!["key"]!.GetValue<string>());
            if (org is null) continue;
            lock (org.Sync)
            {
                foreach (var r in org.Records.All.ToList()) org.Records.SetDeleted(r, true);
                var store = new RecordStore();
                foreach (var rec in orgNode["records"]!.AsArray())
                {
                    var type = org.Schema.Find(rec!["type"]!.GetValue<string>());
                    if (type is null) continue;
                    var id = rec["id"]!.GetValue<string>();
                    var existing = org.Records.Get(id);
                    var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                    foreach (var (k, v) in rec["values"]!.AsObject())
                    {
                        if (type.Field(k) is { } f) values[f.Name] = FieldValues.FromJson(f, v);
                    }
                    var deleted = rec["deleted"]?.GetValue<bool>() ?? false;
                    if (existing is null)
                    {
                        var record = new SRecord(type, id);
                        foreach (var (k, v) in values) record.Values[k] = v;
                        record.IsDeleted = deleted;
                        org.Records.Insert(record);
                    }
                    else
                    {
                        org.Records.SetDeleted(existing, false);
                        org.Records.Set(existing, values);
                        if (deleted) org.Records.SetDeleted(existing, true);
                    }
                }
                org.Records.IdCounter = Math.Max(org.Records.IdCounter, orgNode["idCounter"]!.GetValue<long>());
                org.Records.CaseNumberCounter = Math.Max(org.Records.CaseNumberCounter, orgNode["caseNumberCounter"]!.GetValue<long>());
                if (orgNode["autoNumbers"] is JsonObject autoNumbers)
                {
                    foreach (var (field, last) in autoNumbers)
                        org.Records.AutoNumbers[field] = Math.Max(org.Records.AutoNumbers.GetValueOrDefault(field), last!.GetValue<long>());
                }
                foreach (var c in orgNode["credentials"]!.AsArray())
                {
                    org.Credentials[c!["userId"]!.GetValue<string>()] = new UserCredential
                    {
                        UserId = c["userId"]!.GetValue<string>(), PasswordHash = c["hash"]?.GetValue<string>(), PasswordSalt = c["salt"]?.GetValue<string>(),
                        SecurityToken = c["token"]?.GetValue<string>() ?? "",
                    };
                }
                _savedVersions[org.Key] = org.Records.Version;
            }
        }
        var access = root["access"]?.Deserialize<List<AccessGrant>>() ?? [];
        var refresh = root["refresh"]?.Deserialize<List<RefreshGrant>>() ?? [];
        state.OAuth.Restore(access, refresh);
    }

    /// <summary>Writes the file when any org changed since the last save (or always, when forced).</summary>
    public void Save(bool force = false)
    {
        lock (_sync)
        {
            var orgs = new JsonArray();
            var changed = force;
            foreach (var org in state.Orgs)
            {
                lock (org.Sync)
                {
                    if (_savedVersions.GetValueOrDefault(org.Key, -1) != org.Records.Version) changed = true;
                    _savedVersions[org.Key] = org.Records.Version;
                    orgs.Add(new JsonObject
                    {
                        ["key"] = org.Key,
                        ["idCounter"] = org.Records.IdCounter,
                        ["caseNumberCounter"] = org.Records.CaseNumberCounter,
                        ["autoNumbers"] = new JsonObject([.. org.Records.AutoNumbers.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]),
                        ["records"] = new JsonArray(org.Records.All.Select(r => (JsonNode)new JsonObject
                        {
                            ["type"] = r.Type.Name, ["id"] = r.Id, ["deleted"] = r.IsDeleted,
                            ["values"] = new JsonObject(r.Values.Where(kv => r.Type.Field(kv.Key) is not null)
                                .Select(kv => KeyValuePair.Create(kv.Key, FieldValues.ToJson(r.Type.Field(kv.Key), kv.Value)))),
                        }).ToArray()),
                        ["credentials"] = new JsonArray(org.Credentials.Values.Select(c => (JsonNode)new JsonObject
                        {
                            ["userId"] = c.UserId, ["hash"] = c.PasswordHash, ["salt"] = c.PasswordSalt, ["token"] = c.SecurityToken,
                        }).ToArray()),
                    });
                }
            }
            if (!changed) return;
            var root = new JsonObject
            {
                ["orgs"] = orgs,
                ["access"] = JsonSerializer.SerializeToNode(state.OAuth.AllAccess.ToList()),
                ["refresh"] = JsonSerializer.SerializeToNode(state.OAuth.AllRefresh.ToList()),
            };
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
            Directory.CreateDirectory(directory);
            var temp = Path + ".tmp";
            File.WriteAllText(temp, root.ToJsonString());
            File.Move(temp, Path, overwrite: true);
        }
    }
}
