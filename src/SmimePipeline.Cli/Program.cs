using SmimePipeline.Cli.Commands;

return await SmimeRootCommand.Create().Parse(args).InvokeAsync();
