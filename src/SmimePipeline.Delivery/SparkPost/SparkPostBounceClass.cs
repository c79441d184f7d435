namespace SmimePipeline.Delivery.SparkPost;

/// <summary>
/// SparkPost's bounce classification (its "Bounce Classification Codes"): which classes are hard (the address
/// is invalid or refuses for good, do not send again) and which soft (transient, block, admin, undetermined).
/// </summary>
public static class SparkPostBounceClass
{
    /// <summary>10 invalid recipient, 30 generic bounce with no retry, 90 unsubscribe.</summary>
    private static readonly HashSet<int> HardClasses = [10, 30, 90];

    /// <summary>Whether <paramref name="bounceClass"/> is a hard bounce.</summary>
    public static bool IsHard(int bounceClass) => HardClasses.Contains(bounceClass);
}
