namespace SmimePipeline.Delivery.SparkPost;

/// <summary>Settings of <see cref="SparkPostTransport"/> (section <c>SmimePipeline:Delivery:SparkPost</c>).</summary>
public sealed class SparkPostOptions
{
    /// <summary>The US API base URL.</summary>
    public static readonly Uri UsBaseUrl = new("https://api.sparkpost.com/api/v1/");

    /// <summary>The EU API base URL.</summary>
    public static readonly Uri EuBaseUrl = new("https://api.eu.sparkpost.com/api/v1/");

    /// <summary>The account's region. Default <see cref="SparkPostRegion.Us"/>.</summary>
    public SparkPostRegion Region { get; set; } = SparkPostRegion.Us;

    /// <summary>Overrides the region's base URL (a proxy, or a test double); must end in <c>/api/v1</c>.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>The API key (needs the "Transmissions: Read/Write" permission). Prefer <see cref="ApiKeyFile"/>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>A file holding the API key (a mounted Kubernetes Secret); trailing line breaks are ignored.</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>Limit for one API call, connecting included. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections to the API at once. Default 10, SparkPost's recommended maximum.</summary>
    public int MaxConnections { get; set; } = 10;

    /// <summary>
    /// Largest message accepted, in bytes. Default 20,000,000 (SparkPost's 20 MB content limit); larger
    /// mail is dead-lettered with reason <c>message-too-large</c> without calling the API.
    /// </summary>
    public long MaxContentBytes { get; set; } = 20_000_000;

    /// <summary>The base URL in effect: <see cref="BaseUrl"/> or the region's, always ending in a slash.</summary>
    public Uri EffectiveBaseUrl
    {
        get
        {
            var url = BaseUrl ?? (Region == SparkPostRegion.Eu ? EuBaseUrl : UsBaseUrl);
            return url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
        }
    }
}
