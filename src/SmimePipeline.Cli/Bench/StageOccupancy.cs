namespace SmimePipeline.Cli.Bench;

/// <summary>
/// How many mails were, on average over the measured run, inside one bounded place of the pipeline (the sum of the
/// mails' times there ÷ the run's duration, Little's law), beside that place's limit. A place whose average is close
/// to its limit is where mails queue for admission; one well below it is waiting on something else.
/// </summary>
/// <param name="Average">Mean number of mails inside.</param>
/// <param name="Limit">At most this many at once.</param>
/// <param name="FullShare">The share of the run's duration during which the place held <paramref name="Limit"/> mails (or
/// more, where the ends of two mails' spans race): a place whose average is low but is full now and then makes mails wait
/// in those moments (session 15).</param>
internal sealed record StageOccupancy(double Average, int Limit, double FullShare = 0);
