namespace SmimePipeline.Worker.Configuration;

/// <summary>Settings of the signer role.</summary>
public sealed class SignerOptions
{
    /// <summary>Mails protected at once. 0 (default) means one per processor core: protect is CPU-bound.</summary>
    public int Concurrency { get; set; }

    /// <summary>
    /// Mails the signer holds at once: being protected, or waiting for the broker to confirm the hand-over to
    /// the sender and the <c>EmailProtected</c> event. 0 (default) means <see cref="DefaultInFlightPerSlot"/> × the
    /// effective <see cref="Concurrency"/>. Protection itself stays at <see cref="Concurrency"/> at once
    /// (<c>ProtectionSlots</c>); the extra mails keep the cores busy while earlier ones wait on the broker.
    /// </summary>
    public int InFlight { get; set; }

    /// <summary>The certificate store directory (signer keys, recipient certificates, trust anchors).</summary>
    public string StorePath { get; set; } = "";

    /// <summary>
    /// A directory of mounted Secrets, one directory per signer identity (<c>tls.crt</c>/<c>tls.key</c> or
    /// <c>identity.p12</c> + <c>password</c>), re-read every <see cref="IdentitiesRefreshInterval"/>; optional.
    /// Identities found here win over those in <see cref="StorePath"/>.
    /// </summary>
    public string IdentitiesPath { get; set; } = "";

    /// <summary>How often mounted identities are checked for changes. Default 30 s.</summary>
    public TimeSpan IdentitiesRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The policy for recipients without a valid certificate when a mail does not say. Default Fail.</summary>
    public SmimePipeline.Contracts.MissingCertificatePolicy MissingCertificate { get; set; } = SmimePipeline.Contracts.MissingCertificatePolicy.Fail;

    /// <summary>
    /// How <c>DeliverEmail</c> travels to the sender role. Default <see cref="DeliverEmailFormat.Binary"/> (the mail's
    /// bytes as the body, its fields in headers); <see cref="DeliverEmailFormat.Json"/> while senders of a version
    /// before the binary format still consume <c>smime-deliver</c> (upgrade senders first, then signers).
    /// </summary>
    public DeliverEmailFormat DeliverEmailFormat { get; set; } = DeliverEmailFormat.Binary;

    /// <summary>
    /// When this process runs both roles (<c>Roles</c> = <c>Signer,Sender</c>), whether the signer makes a mail's first
    /// delivery attempt itself, through the sender's own <c>DeliveryHandler</c> (ledger, places, breaker, transport, events,
    /// retry ladder), instead of sending <c>DeliverEmail</c> to <c>smime-deliver</c> (issue 17, session 12), and when it takes
    /// a delivery place for it (<see cref="InProcessDeliveryMode"/>). Only while the ESP's circuit breaker is closed; large
    /// mail (protected size above <c>ClaimCheck:ThresholdBytes</c>) too since session 14, in a place large mails may hold and
    /// at most two per such place at once (beyond that by claim check through <c>smime-deliver</c>). Otherwise, and when the
    /// attempt itself throws, the mail goes to <c>smime-deliver</c> as before. No effect in a process that runs one role.
    /// Default <see cref="InProcessDeliveryMode.WaitForPlace"/>.
    /// </summary>
    public InProcessDeliveryMode DeliverInProcess { get; set; } = InProcessDeliveryMode.WaitForPlace;

    /// <summary>
    /// A protect command whose body (or producer claim) is above this many bytes is large mail for the protect slots
    /// and <see cref="LargeMailNice"/>: small mails waiting for a slot go before it (issue 17, target 2). The same rule
    /// bytes the command came in. Default 0: every mail alike (first come, first served), because the quiet run of
    /// session 9 measured these defaults losing capacity near saturation (docs/performance-log.md "Issue 17, session 9: the quiet run after this round's changes");
    /// <see cref="SuggestedLargeMailThresholdBytes"/> (the producer claim check's threshold) is the value to turn it on
    /// with. Must be 0 or at least 16,384.
    /// </summary>
    public int LargeMailThresholdBytes { get; set; }

    /// <summary>
    /// How many protect slots large mails may hold at once. 0 (default) means <c>max(1, slots − 1)</c>, so that with
    /// two or more slots one is always left for small mails. Must be 0 or more; above the effective
    /// <see cref="Concurrency"/> it means all of them.
    /// </summary>
    public int LargeMailSlots { get; set; }

    /// <summary>
    /// The Linux nice value (1-19) of the dedicated threads that compose and protect large mails, so that the kernel
    /// prefers small mails', the broker's and the sender's threads when they compete for a core. 0 protects large mails on
    /// the consumer's own thread like small ones. Default <see cref="DefaultLargeMailNice"/>. Outside Linux the threads
    /// run at normal priority (the value is accepted and has no effect). Must be between 0 and 19.
    /// </summary>
    public int LargeMailNice { get; set; } = DefaultLargeMailNice;

    /// <summary>
    /// How long a mail whose PKCS#11 token is unavailable (HSM fail-over, a network HSM's blink, a restarted module, the PIN
    /// Secret not mounted) is tried again, after 0.5 s, 1 s, 2 s… up to 30 s between tries (less than 0.5 s left ends
    /// it). The mail holds its place in the signer's window meanwhile; after this long it goes to
    /// <c>smime-protect_error</c> as <c>signer-key-unavailable</c> with an <c>EmailDeliveryFailed</c> event, one log line
    /// naming the token and <c>smime_dead_letters_total</c>. Default 5 minutes; must be between 1 second and 20 minutes
    /// (below RabbitMQ's 30-minute consumer timeout).
    /// </summary>
    public TimeSpan KeyUnavailableRetryPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a mail whose recipient directory is unavailable (PostgreSQL down, restarting, failing over or out of
    /// connection slots: a refused socket, a timeout, SQLSTATE classes 08 and 53, <c>57P01</c>–<c>57P03</c>; SQLite busy) is
    /// tried again, after 0.5 s, 1 s, 2 s… up to 30 s between tries, each wait one warning naming the directory. After this
    /// long it goes to <c>smime-protect_error</c> as <c>directory-unavailable</c> with an <c>EmailDeliveryFailed</c> event,
    /// one log line and <c>smime_dead_letters_total</c>; a harvest request to <c>smime-harvest_error</c>. A directory failure
    /// that needs an operator (a missing table, a refused password) is not waited for. Default 5 minutes; must be between 1
    /// second and 20 minutes (below RabbitMQ's 30-minute consumer timeout).
    /// </summary>
    public TimeSpan DirectoryUnavailableRetryPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The <see cref="LargeMailThresholdBytes"/> to turn large-mail precedence on with: 262,144, the producer claim check's default threshold.</summary>
    public const int SuggestedLargeMailThresholdBytes = 256 * 1024;

    /// <summary>The default <see cref="LargeMailNice"/>.</summary>
    public const int DefaultLargeMailNice = 10;

    /// <summary>The effective number of slots large mails may hold at once.</summary>
    public int EffectiveLargeMailSlots => LargeMailSlots > 0 ? Math.Min(LargeMailSlots, EffectiveConcurrency) : Math.Max(1, EffectiveConcurrency - 1);

    /// <summary>The effective concurrency.</summary>
    public int EffectiveConcurrency => Concurrency > 0 ? Concurrency : Environment.ProcessorCount;

    /// <summary>The effective number of mails held at once (never fewer than are protected at once).</summary>
    public int EffectiveInFlight => InFlight > 0 ? Math.Max(InFlight, EffectiveConcurrency) : DefaultInFlightPerSlot * EffectiveConcurrency;

    /// <summary>
    /// Mails held per protect slot by default. A mail spends ≈ 1 ms in its slot and 15-40 ms waiting for the broker's
    /// two quorum-queue confirms (<c>DeliverEmail</c>, then <c>EmailProtected</c>; <c>smime bench pipeline</c>'s stages,
    /// issue 17): with 4 per slot the slots were busy 10-20 % of the time while the queue held thousands of mails.
    /// </summary>
    public const int DefaultInFlightPerSlot = 16;
}
