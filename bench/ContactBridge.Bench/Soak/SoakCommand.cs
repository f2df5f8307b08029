namespace ContactBridge.Bench.Soak;

/// <summary>
/// The soak verb (see README, "Soak and several instances"): one run, or with --scale the same run with 1, 2 and
/// 3 instances back to back and a side-by-side table. Samples go to &lt;output&gt;/soak-….csv and .svg.
/// </summary>
internal static class SoakCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help"))
        {
            Console.WriteLine($"usage: {SoakOptions.Usage}");
            return 0;
        }
        var (o, error) = SoakOptions.Parse(args);
        if (o is null)
        {
            await Console.Error.WriteLineAsync($"error: {error}\nusage: {SoakOptions.Usage}");
            return 2;
        }
        Directory.CreateDirectory(o.Output);
        var display = new SoakDisplay();
        var results = new List<SoakResult>();
        foreach (var instances in o.Scale ? [1, 2, 3] : new[] { o.Instances })
        {
            var result = await SoakRun.RunAsync(o, instances, display);
            results.Add(result);
            var name = Path.Combine(o.Output, $"soak-{o.Database}-{instances}x-{o.Rate}ps-{DateTime.Now:yyyyMMdd-HHmmss}");
            SoakReport.WriteCsv(name + ".csv", result.Samples);
            SoakReport.WriteSvg(name + ".svg", $"ContactBridge soak: {o.Database}, {instances} instance(s), {o.Tenants} tenant(s), {o.Rate}/s" +
                (o.Retention is { } r ? $", retention {r}" : ""), result.Samples);
            Console.WriteLine(SoakReport.Summary(o, result));
            Console.WriteLine($"  Samples                              {name}.csv, chart {name}.svg\n");
        }
        if (o.Scale) Console.WriteLine(SoakReport.ScaleTable(results));
        return results.All(r => r.Lost == 0 && r.Duplicates == 0) ? 0 : 1;
    }
}
