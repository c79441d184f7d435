namespace SmimePipeline.Postgres;

/// <summary>
/// How a store's pool bound is named in messages: the store ("the delivery ledger") and the two configuration keys an
/// operator fixes (<c>SmimePipeline:Delivery:Ledger:MaxConnections</c>, <c>…:PostgresConnectionString</c>). Never a value.
/// </summary>
/// <param name="Store">The store, as a message names it (e.g. "the delivery ledger").</param>
/// <param name="MaxConnectionsSetting">The configuration key of the bound.</param>
/// <param name="ConnectionStringSetting">The configuration key of the connection string.</param>
public sealed record PostgresPoolSettings(string Store, string MaxConnectionsSetting, string ConnectionStringSetting);
