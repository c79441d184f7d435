using SmimePipeline.Worker.Hosting;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddSmimePipelineWorker(builder.Configuration);
builder.AddSmimePipelineTelemetry();

var app = builder.Build();
app.MapSmimePipelineEndpoints();
await app.RunAsync();
