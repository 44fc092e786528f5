using Lethe.Silo.Api;
using Lethe.Silo.Hosting;
using Lethe.Silo.Telemetry;

var builder = WebApplication.CreateBuilder(args);
builder.AddLetheSilo();
builder.AddLetheTelemetry();
builder.AddLetheUnlearningApi();
builder.Services.AddHostedService<TenantsFileSeeder>();
var app = builder.Build();
app.MapLetheHealth();
app.MapLetheTelemetry();
app.MapLetheUnlearningApi();
app.Run();
