using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.CertificateDirectory.Registration;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Delivery;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Messaging;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Harvest;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Sending;
using SmimePipeline.Worker.Signing;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Webhooks;

namespace SmimePipeline.Worker.Hosting;

/// <summary>Registers the worker: its options, its roles' services and consumers, and the bus.</summary>
public static class WorkerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the SmimePipeline worker as configured in the <c>SmimePipeline</c> section: the signer
    /// role (certificate store, protect engine, protect consumers), the sender role (the ESP client,
    /// the deliver consumer), or both, on the configured transport.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration holding the <c>SmimePipeline</c> section.</param>
    /// <param name="configureBus">Optional extra bus registrations (e.g. the producer client in the demo).</param>
    public static IServiceCollection AddSmimePipelineWorker(
        this IServiceCollection services,
        IConfiguration configuration,
        Action<IBusRegistrationConfigurator>? configureBus = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<SmimePipelineOptions>()
            .BindConfiguration(SmimePipelineOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmimePipelineOptions>, SmimePipelineOptionsValidator>());

        // Roles decide which services exist at all, so they are read now; the full validation runs at start.
        var options = configuration.GetSection(SmimePipelineOptions.SectionName).Get<SmimePipelineOptions>() ?? new SmimePipelineOptions();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<SmimeTelemetry>();
        // The counters' series whose label values are known at start begin at 0 (session 22).
        services.AddHostedService<CounterSeriesAtStart>();
        services.TryAddSingleton<BoundedBrokerSend>();
        services.TryAddSingleton<MailEventPublisher>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout + TimeSpan.FromSeconds(5));
        services.AddDeliveryClaimCheck(options.Transport);
        services.AddWorkQueueConsumerHealth();

        if (options.Roles.HasFlag(WorkerRoles.Signer))
        {
            // Only signers ever load private keys.
            services.AddSignerCertificates(options);
            services.AddInboundHarvest();
            if (options.Transport == TransportKind.RabbitMq)
            {
                // Before MassTransit's hosted service: the queue this role sends to exists before the first mail.
                services.AddHostedService<DeliverQueueDeclaration>();
                // The large-mail lane's message-type bindings of older signers go (a convention publish reached both queues).
                services.AddHostedService<LargeLaneTypeBindings>();
            }

            services.AddHealthChecks().AddCheck<SignerKeysHealthCheck>("signer-keys", tags: ["ready"]);

            // Algorithms and shapes (cipher, signature scheme, opaque, header protection) from Signer:Protection;
            // the protector itself comes from the registration smime protect uses too.
            services.AddSmimeProtection().BindConfiguration(ProtectionOptions.SectionName).ValidateOnStart();
            services.TryAddSingleton<ProtectionSlots>();
            services.TryAddSingleton<LargeMailThreads>();
            services.TryAddSingleton<MailProtectionHandler>();
            services.TryAddSingleton<SignerRefusals>();
            services.TryAddSingleton<ProtectCommandIntake>();
            services.AddProducerClaims(configuration, options.Transport);
        }

        if (options.Roles.HasFlag(WorkerRoles.Sender))
        {
            services.AddMailTransport($"{SmimePipelineOptions.SectionName}:Delivery");
            services.AddSmimeSender(options.Transport);
        }

        if (options.Roles.HasFlag(WorkerRoles.All) && options.Signer.DeliverInProcess != InProcessDeliveryMode.Off)
        {
            // Both roles in one process: the signer makes a mail's first delivery attempt itself when it can (the
            // MailProtectionHandler takes it when registered). Separate signer and sender deployments never do.
            services.TryAddSingleton<InProcessDelivery>();
        }

        if (options.Roles.HasFlag(WorkerRoles.Webhooks))
        {
            services.AddSmimeWebhooks();
        }

        if (options.Roles.HasFlag(WorkerRoles.Sender) || options.Roles.HasFlag(WorkerRoles.Webhooks))
        {
            // Delivery:Ledger:MaxConnections 0 = derived from the roles this process runs (before validation, which then
            // checks the bound the ledger will get).
            services.AddOptions<DeliveryLedgerOptions>().PostConfigure<IOptions<SmimePipelineOptions>>(
                (ledger, pipeline) => ledger.MaxConnections = PostgresPoolDefaults.DeliveryLedgerMaxConnections(pipeline.Value, ledger.MaxConnections));
        }

        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true;
            o.StopTimeout = options.ShutdownTimeout;
        });

        // A body MassTransit cannot read never reaches a consumer: this reports it like every other failure.
        services.AddReceiveObserver<UnreadableMessageObserver>();
        services.AddMassTransit(bus =>
        {
            if (options.Roles.HasFlag(WorkerRoles.Signer))
            {
                bus.AddConsumer<ProtectEmailConsumer, ProtectEmailConsumerDefinition>();
                bus.AddConsumer<ProtectMimeMessageConsumer, ProtectMimeMessageConsumerDefinition>();
                bus.AddConsumer<ProtectCommandClaimConsumer, ProtectCommandClaimConsumerDefinition>();
                bus.AddConsumer<HarvestCertificateConsumer, HarvestCertificateConsumerDefinition>();
            }

            if (options.Roles.HasFlag(WorkerRoles.Sender))
            {
                bus.AddConsumer<DeliverEmailConsumer, DeliverEmailConsumerDefinition>();
            }

            configureBus?.Invoke(bus);

            // Every failure ends visibly: outside all retries of a work queue, what nobody reported is reported there.
            // Apply knows the work queues and leaves every other endpoint alone.
            bus.AddConfigureEndpointsCallback((context, queueName, endpoint) => UnreportedFailureFilter.Apply(endpoint, queueName, context));

            if (options.Transport == TransportKind.RabbitMq)
            {
                bus.AddConfigureEndpointsCallback((_, queueName, endpoint) =>
                {
                    // Only the pipeline's own work queues: a temporary (auto-delete) endpoint cannot be a quorum queue.
                    if (options.RabbitMq.QuorumQueues && queueName is QueueNames.Protect or QueueNames.Deliver or QueueNames.Harvest
                        && endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                    {
                        rabbit.SetQuorumQueue();
                    }
                });
                bus.UsingRabbitMq((context, cfg) =>
                {
                    var rabbit = context.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.RabbitMq;
                    cfg.ConfigureRabbitMqHost(rabbit);
                    DeliverEmailWireFormat.AddDeliverEmailBinaryFormat(cfg);
                    ProtectCommandWireFormat.AddProtectCommandBinaryFormats(cfg, context.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.MaxMessageBytes);
                    cfg.ConfigureEndpoints(context);
                    if (options.Roles.HasFlag(WorkerRoles.Signer))
                    {
                        // Issue 17: large mail in a lane of its own, so small mail never waits behind it. After
                        // ConfigureEndpoints: MassTransit leaves a consumer configured by hand out of it.
                        cfg.ReceiveEndpoint(QueueNames.ProtectLarge, endpoint => LargeMailLane.Configure(endpoint, context, options));
                    }
                });
            }
            else
            {
                bus.UsingInMemory((context, cfg) =>
                {
                    DeliverEmailWireFormat.AddDeliverEmailBinaryFormat(cfg);
                    ProtectCommandWireFormat.AddProtectCommandBinaryFormats(cfg, context.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.MaxMessageBytes);
                    cfg.ConfigureEndpoints(context);
                });
            }
        });

        services.AddHealthChecks();
        if (options.Transport == TransportKind.RabbitMq && options.RabbitMq.ManagementUri is not null)
        {
            services.AddHttpClient(nameof(QueueDepthMonitor), http => http.Timeout = TimeSpan.FromSeconds(10));
            services.AddHostedService<QueueDepthMonitor>();
        }

        return services;
    }
}
