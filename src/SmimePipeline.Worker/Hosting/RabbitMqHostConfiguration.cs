using MassTransit;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Hosting;

/// <summary>Points a RabbitMQ bus at the configured broker, with the password from a secret file when given.</summary>
public static class RabbitMqHostConfiguration
{
    /// <summary>Configures the host from <paramref name="options"/>.</summary>
    /// <exception cref="InvalidOperationException">No URI is configured.</exception>
    public static void ConfigureRabbitMqHost(this IRabbitMqBusFactoryConfigurator cfg, RabbitMqOptions options)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(options);
        var uri = options.Uri ?? throw new InvalidOperationException("SmimePipeline:RabbitMq:Uri is not set.");
        var password = options.PasswordFile is { Length: > 0 } file ? File.ReadAllText(file).Trim() : null;
        cfg.Host(uri, host =>
        {
            if (password is not null)
            {
                host.Password(password);
            }
        });
    }
}
