using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace ContactBridge.Web;

/// <summary>
/// Kestrel refuses some requests before the application sees them (a NUL in the path, a request line
/// it cannot parse) and answers a bare 400 with no body. This connection middleware turns exactly that
/// answer into an application/problem+json one, so every refusal a client meets says what is wrong.
/// Every other byte passes through unchanged.
/// </summary>
public static class RejectedRequestProblems
{
    private static readonly byte[] BareBadRequest = Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\n");
    private static readonly byte[] EmptyBody = Encoding.ASCII.GetBytes("Content-Length: 0\r\n");

    public static IConnectionBuilder UseRejectedRequestProblems(this IConnectionBuilder builder) => builder.Use(next => async connection =>
    {
        var transport = connection.Transport;
        connection.Transport = new DuplexPipe(transport.Input, new RewritingWriter(transport.Output));
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = transport;
        }
    });

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>Buffers what Kestrel writes until it flushes, so a bare 400 can be recognised whole and replaced.</summary>
    private sealed class RewritingWriter(PipeWriter inner) : PipeWriter
    {
        private readonly ArrayBufferWriter<byte> _pending = new();

        public override void Advance(int bytes) => _pending.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _pending.WrittenCount;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            MoveToInner();
            return inner.FlushAsync(cancellationToken);
        }

        public override void Complete(Exception? exception = null)
        {
            MoveToInner();
            inner.Complete(exception);
        }

        public override async ValueTask CompleteAsync(Exception? exception = null)
        {
            if (MoveToInner()) await inner.FlushAsync();
            await inner.CompleteAsync(exception);
        }

        private bool MoveToInner()
        {
            if (_pending.WrittenCount == 0) return false;
            var written = _pending.WrittenSpan;
            if (written.StartsWith(BareBadRequest) && written.IndexOf(EmptyBody) >= 0 && written.EndsWith("\r\n\r\n"u8)) inner.Write(Problem(written));
            else inner.Write(written);
            _pending.ResetWrittenCount();
            return true;
        }

        private static byte[] Problem(ReadOnlySpan<byte> bare)
        {
            var body = Encoding.UTF8.GetBytes("""
                {"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"Bad request","status":400,"detail":"The request line was refused before it reached the hub: the path or query holds a character that is not allowed there (such as %00), or the line is not HTTP. Check the URL the client sends."}
                """);
            var headers = Encoding.ASCII.GetString(bare).Replace("Content-Length: 0\r\n", $"Content-Type: application/problem+json\r\nContent-Length: {body.Length}\r\n", StringComparison.Ordinal);
            return [.. Encoding.ASCII.GetBytes(headers), .. body];
        }
    }
}
