using System.Runtime.InteropServices;
using System.Text;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Messaging;
using OwnMicro;

var mode = args[0];
int n = int.Parse(args[1]);
int slices = int.Parse(args[2]);
if (mode == "read")
{
    var mail = new ProtectEmail
    {
        MailId = Guid.NewGuid(),
        From = new MailAddress("bench-sender@example.com", "Bench Sender"),
        To = [new MailAddress("bench-recipient@example.org", "Bench Recipient")],
        Subject = "Your monthly statement",
        TextBody = new string('t', 3000),
        HtmlBody = new string('h', 5000),
        Attachments = [new MailAttachment("statement.pdf", "application/pdf", new byte[30 * 1024])],
    };
    var body = ProtectEmailBinaryWriter.Write(mail);
    Console.WriteLine($"body {body.Length} B");
    for (int s = 0; s < slices; s++)
    {
        var a0 = GC.GetAllocatedBytesForCurrentThread(); var t0 = Cpu.Thread();
        for (int i = 0; i < n; i++) { var m = ProtectEmailBinaryReader.Read(body, mail.MailId, 10 << 20); if (m.From is null) throw new(); }
        var t1 = Cpu.Thread(); var a1 = GC.GetAllocatedBytesForCurrentThread();
        Console.WriteLine($"slice {s}: {(t1 - t0) * 1e6 / n:F3} µs, {(a1 - a0) / (double)n:F0} B per read");
    }
}
else
{
    var services = new ServiceCollection();
    services.AddSingleton(Options.Create(new SmimePipelineOptions()));
    services.AddSingleton<BoundedBrokerSend>();
    services.AddSingleton(new Box(n, slices));
    services.AddMassTransit(x =>
    {
        x.AddConsumer<Publisher>();
        x.UsingInMemory((ctx, cfg) => cfg.ConfigureEndpoints(ctx));
    });
    await using var provider = services.BuildServiceProvider();
    var bus = provider.GetRequiredService<IBusControl>();
    await bus.StartAsync();
    var box = provider.GetRequiredService<Box>();
    await bus.Publish(new Go());
    await box.Done.Task;
    await bus.StopAsync();
}

namespace OwnMicro
{
public sealed record Go;
public sealed record Box(int N, int Slices) { public TaskCompletionSource Done { get; } = new(); }
public sealed class Publisher(BoundedBrokerSend broker, Box box) : IConsumer<Go>
{
    public async Task Consume(ConsumeContext<Go> context)
    {
        var ev = new EmailDelivered { MailId = Guid.NewGuid(), Provider = "pickup", ProviderMessageId = "x", AcceptedRecipients = ["alice@example.org"], DeliveredAt = DateTimeOffset.UtcNow };
        for (int s = 0; s < box.Slices; s++)
        {
            var a0 = GC.GetTotalAllocatedBytes(true); var t0 = Cpu.Process();
            for (int i = 0; i < box.N; i++) await broker.PublishAsync(context, ev);
            var t1 = Cpu.Process(); var a1 = GC.GetTotalAllocatedBytes(true);
            Console.WriteLine($"slice {s}: {(t1 - t0) * 1e6 / box.N:F3} µs process CPU, {(a1 - a0) / (double)box.N:F0} B per publish");
        }
        box.Done.SetResult();
    }
}
}
static class Cpu
{
    public static double Thread() { clock_gettime(3, out var ts); return ts.sec + ts.nsec / 1e9; }
    public static double Process() { clock_gettime(2, out var ts); return ts.sec + ts.nsec / 1e9; }
    [DllImport("libc")] static extern int clock_gettime(int clk, out Timespec ts);
    struct Timespec { public long sec; public long nsec; }
}
