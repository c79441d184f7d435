using SmimePipeline.Fuzzing;

return FuzzCommand.Run(args);
