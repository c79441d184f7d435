using Microsoft.AspNetCore.Http.Features;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>Reads a request body up to a limit: a declared or actual body above it is refused with 413 before it is all read.</summary>
internal static class RequestBody
{
    public static async Task<byte[]> ReadAsync(HttpContext context, long maxBytes, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength is long declared && declared > maxBytes)
        {
            throw new RelayBatchException(StatusCodes.Status413PayloadTooLarge, $"The body has {declared} bytes; at most {maxBytes} are accepted.");
        }

        // Kestrel's own limit (30 MB by default) would otherwise decide for us.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        using var buffer = new MemoryStream(context.Request.ContentLength is long known ? (int)Math.Min(known, int.MaxValue) : 64 * 1024);
        var chunk = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw new RelayBatchException(StatusCodes.Status413PayloadTooLarge, $"The body exceeds {maxBytes} bytes.");
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new RelayBatchException(StatusCodes.Status413PayloadTooLarge, $"The body exceeds {maxBytes} bytes.");
        }

        return buffer.ToArray();
    }
}
