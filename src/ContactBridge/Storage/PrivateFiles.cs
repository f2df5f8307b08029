namespace ContactBridge.Storage;

/// <summary>
/// The data directory (0700) and the files in it (0600): they hold caller data, password hashes and,
/// unless kept elsewhere, the key to every token, so no other local user may read them.
/// </summary>
public static class PrivateFiles
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void EnsureDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        if (!Directory.Exists(path)) Directory.CreateDirectory(path, OwnerOnlyDirectory);
        else if ((File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0
                 && IsOwnDataDirectory(path))
            File.SetUnixFileMode(path, OwnerOnlyDirectory);
    }

    /// <summary>Creates the file empty with mode 0600, or narrows an existing one to 0600; SQLite gives its -wal and -shm files the same mode.</summary>
    public static void EnsureFile(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        if (!File.Exists(path))
        {
            using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile });
        }
        else File.SetUnixFileMode(path, OwnerOnlyFile);
    }

    /// <summary>Only a directory that holds nothing but the hub's files is narrowed; a shared one (/tmp, a home) is left as it is.</summary>
    private static bool IsOwnDataDirectory(string path) =>
        Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).All(n => n is not null && (n.StartsWith("contactbridge", StringComparison.Ordinal) || n is "secrets.key" or "keys"));
}
