namespace SmimePipeline.Worker.Configuration;

/// <summary>Settings of the sender role.</summary>
public sealed class SenderOptions
{
    /// <summary>Mails handed to the ESP at once. Default 10 (SparkPost recommends at most 10 connections).</summary>
    public int Concurrency { get; set; } = 10;
}
