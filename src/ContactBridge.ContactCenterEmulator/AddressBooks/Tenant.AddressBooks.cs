using System.Text.Json.Nodes;
using ContactBridge.ContactCenterEmulator.Events;

namespace ContactBridge.ContactCenterEmulator.Tenants;

/// <summary>Address books: the numbers, agents and skills an agent can pick to dial or transfer to.</summary>
public sealed partial class Tenant
{
    /// <summary>Creates or replaces a book and tells the hub; the problems when it is not valid.</summary>
    public List<string> PutAddressBook(string id, AddressBookSeed book)
    {
        lock (_gate)
        {
            var problems = new List<string>();
            Ids.Check(id, "id", problems);
            if (book.Id is not null && book.Id != id) problems.Add($"id '{book.Id}' in the body is not the id of the URL ('{id}').");
            book.CheckEntries("book", _agentsById.Keys.ToHashSet(StringComparer.Ordinal), _skillsById.Keys.ToHashSet(StringComparer.Ordinal), problems);
            if (problems.Count > 0) return problems;
            book.Id = id;
            _books[id] = book;
            EmitAddressBook(book);
            return [];
        }
    }

    private void EmitAddressBook(AddressBookSeed book)
    {
        var entries = new JsonArray();
        foreach (var e in book.Entries)
        {
            var entry = new JsonObject { ["name"] = e.Name };
            if (e.Number is not null) entry["number"] = e.Number;
            if (e.AgentId is not null) entry["agentId"] = e.AgentId;
            if (e.Skill is not null) entry["skill"] = e.Skill;
            entries.Add(entry);
        }
        Emit(EventTypes.AddressBookUpdated, book.Id!, new JsonObject { ["name"] = book.Name, ["entries"] = entries });
    }
}
