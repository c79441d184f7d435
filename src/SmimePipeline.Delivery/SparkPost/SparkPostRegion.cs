namespace SmimePipeline.Delivery.SparkPost;

/// <summary>Which SparkPost data centre the account lives in; each has its own API host.</summary>
public enum SparkPostRegion
{
    /// <summary><c>https://api.sparkpost.com/api/v1</c>.</summary>
    Us,

    /// <summary><c>https://api.eu.sparkpost.com/api/v1</c>.</summary>
    Eu,
}
