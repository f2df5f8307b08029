using System.Globalization;

namespace ContactBridge.Bench.Soak;

/// <summary>
/// Confines a process to a share of the CPU with a Linux cgroup quota (v2 <c>cpu.max</c>, or v1
/// <c>cpu.cfs_quota_us</c>), so that each hub instance is a machine of a fixed size: a rate one instance
/// cannot keep up with can then be shown to be kept up with by two or three. Needs root.
/// </summary>
internal sealed class CpuCap : IDisposable
{
    private const long Period = 100_000;
    private readonly string _group;

    private CpuCap(string group) => _group = group;

    public static CpuCap Apply(int pid, double cpus)
    {
        var quota = ((long)Math.Round(cpus * Period)).ToString(CultureInfo.InvariantCulture);
        string group;
        if (File.Exists("/sys/fs/cgroup/cgroup.controllers"))
        {
            group = $"/sys/fs/cgroup/contactbridge-soak-{pid}";
            Directory.CreateDirectory(group);
            File.WriteAllText(Path.Combine(group, "cpu.max"), $"{quota} {Period}");
        }
        else if (Directory.Exists("/sys/fs/cgroup/cpu"))
        {
            group = $"/sys/fs/cgroup/cpu/contactbridge-soak-{pid}";
            Directory.CreateDirectory(group);
            File.WriteAllText(Path.Combine(group, "cpu.cfs_period_us"), Period.ToString(CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Combine(group, "cpu.cfs_quota_us"), quota);
        }
        else
        {
            throw new InvalidOperationException("--cpus-per-instance needs Linux cgroups (/sys/fs/cgroup): none found.");
        }
        // The whole process (every thread) moves into the group.
        File.WriteAllText(Path.Combine(group, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
        return new CpuCap(group);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_group);
        }
        catch (IOException)
        {
            // Still holds a process that has not exited yet; the kernel keeps an empty group harmlessly.
        }
    }
}
