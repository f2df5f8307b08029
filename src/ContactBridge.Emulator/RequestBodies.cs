using System.Text;

namespace ContactBridge.Emulator;

/// <summary>Request bodies read up to a limit: a larger body is refused as soon as it is seen to be, never read to its end or cut.</summary>
public static class RequestBodies
{
    /// <summary>The body as UTF-8 text; <paramref name="tooLarge"/> is thrown when it is longer than <paramref name="limit"/> bytes.</summary>
    public static async Task<string> ReadAsync(Stream source, long? contentLength, int limit, Func<Exception> tooLarge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tooLarge);
        if (contentLength > limit) throw tooLarge();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit) throw tooLarge();
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
