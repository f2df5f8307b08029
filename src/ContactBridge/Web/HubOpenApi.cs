namespace ContactBridge.Web;

public static class HubOpenApi
{
    /// <summary>The OpenAPI document at /openapi/v1.json, with the intake's examples and each event type's data as JSON Schema.</summary>
    public static IServiceCollection AddHubOpenApi(this IServiceCollection services)
    {
    return services.AddOpenApi("v1", o =>
    {
        o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "ContactBridge hub API";
            doc.Info.Description = "Events in from the contact center (signed), tenants, Salesforce links, logging and routing maps (Service Cloud Voice user mapping). " +
                                   "Portal calls use the sign-in cookie; unsafe ones need the X-CSRF-TOKEN header.";
            return Task.CompletedTask;
        });
        o.AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().Any(n => n.EndpointName == "PostEvents")
                && operation.RequestBody?.Content is { } content)
            {
                foreach (var (type, media) in content)
                    media.Example = type == "application/cloudevents+json" ? ContactBridge.Intake.IntakeEndpoints.Example()[0]!.DeepClone() : ContactBridge.Intake.IntakeEndpoints.Example();
                // The exact shape of each event type's data, as JSON Schema: what the intake checks.
                operation.Extensions ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiExtension>();
                operation.Extensions["x-event-data"] = new Microsoft.OpenApi.JsonNodeExtension(new System.Text.Json.Nodes.JsonObject(
                    ContactBridge.Intake.EventDataSchema.Types.Keys.Select(t => KeyValuePair.Create(ContactBridge.Intake.InteractionEvent.TypePrefix + t,
                        (System.Text.Json.Nodes.JsonNode?)ContactBridge.Intake.EventDataSchema.JsonSchema(t)))
                        .Concat(ContactBridge.ContactCenter.ContactCenterEvents.Schemas())));
            }
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().Any(n => n.EndpointName == "SendCommand")
                && operation.RequestBody?.Content is { } commandContent)
            {
                foreach (var (_, media) in commandContent)
                    media.Example = new System.Text.Json.Nodes.JsonObject { ["type"] = "set_state", ["data"] = new System.Text.Json.Nodes.JsonObject { ["state"] = "available" } };
                // Each command type's data, as JSON Schema: what the hub checks before anything is sent.
                operation.Extensions ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiExtension>();
                operation.Extensions["x-command-data"] = new Microsoft.OpenApi.JsonNodeExtension(new System.Text.Json.Nodes.JsonObject(
                    ContactBridge.ContactCenter.ContactCenterCommands.Schemas()));
            }
            return Task.CompletedTask;
        });
    });
    }
}
