namespace ContactBridge.Outbox;

public static class InteractionLoggingServices
{
    /// <summary>
    /// From signed events in to records in Salesforce: the intake and its inbox, interactions folded from
    /// events, caller identification, the tenant's logging settings, the outbox and (with workers) the
    /// pipeline that runs them.
    /// </summary>
    public static IServiceCollection AddInteractionLogging(this IServiceCollection services, bool runWorkers)
    {
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<LoggingOptions>, LoggingOptionsValidator>();
        services.AddOptions<LoggingOptions>().BindConfiguration(LoggingOptions.Section).ValidateOnStart();
        services.AddSingleton<ContactBridge.Intake.IntakeSecrets>();
        services.AddSingleton<ContactBridge.Intake.InboxStore>();
        services.AddSingleton<ContactBridge.Interactions.InteractionStore>();
        services.AddSingleton<ContactBridge.Interactions.SalesforceRequestLog>();
        services.AddSingleton<ContactBridge.Logging.LoggingSettingsStore>();
        services.AddSingleton<ContactBridge.Identification.CallerIdentifier>();
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<OutboxSender>();
        services.AddSingleton<SalesforceMetadata>();
        services.AddSingleton<SalesforceOutages>();
        services.AddSingleton<InteractionPipeline>();
        if (runWorkers) services.AddHostedService(sp => sp.GetRequiredService<InteractionPipeline>());
        return services;
    }
}
