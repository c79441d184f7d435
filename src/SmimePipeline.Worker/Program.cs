using SmimePipeline.Worker.Hosting;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddSmimePipelineWorker(builder.Configuration);

var app = builder.Build();
app.MapSmimePipelineHealth();
await app.RunAsync();
