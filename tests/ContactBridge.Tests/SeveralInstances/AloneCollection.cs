namespace ContactBridge.Tests.SeveralInstances;

/// <summary>
/// Tests that run several hub processes and crash servers: they run after the others, alone, so they
/// neither starve the browser tests of the two cores nor are starved by them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "Several hub processes, alone";
}
