namespace ContactBridge.Web;

/// <summary>Reads a body from outside (a request, a contact center's answer) no further than a limit, so an endless one costs nothing.</summary>
public static class BoundedRead
{
    /// <summary>All the bytes, or null as soon as there are more than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, int maxBytes, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes) return null;
        }
        return buffer.ToArray();
    }
}
