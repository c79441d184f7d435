using System.Globalization;
using System.Text;
using RabbitMQ.Client;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.Cli.Commands;

/// <summary>One dead-lettered mail as <c>smime dlq</c> shows it: the sender's headers, never the content.</summary>
internal sealed record DlqMessage(ulong DeliveryTag, IReadOnlyDictionary<string, string> Headers, int BodySize)
{
    public string MailId => Header(SenderHeaders.MailId) ?? "(unknown)";

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public static DlqMessage From(BasicGetResult result)
    {
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in result.BasicProperties.Headers ?? new Dictionary<string, object?>())
        {
            headers[key] = value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                null => "",
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            };
        }

        return new DlqMessage(result.DeliveryTag, headers, result.Body.Length);
    }
}
