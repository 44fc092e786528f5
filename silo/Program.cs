using Lethe.Silo.Api;
using Lethe.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddLetheSilo();
// Telemetry: OpenTelemetry + Prometheus wiring for /metrics goes here (builder.AddLetheTelemetry() from silo/Telemetry/).
var app = builder.Build();
app.MapLetheHealth();
app.MapLetheUnlearningApi();
app.Run();
