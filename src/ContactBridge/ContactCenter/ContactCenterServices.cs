using Microsoft.Extensions.Options;

namespace ContactBridge.ContactCenter;

public static class ContactCenterServices
{
    /// <summary>
    /// The contact center's side: its live picture (agents, queues, commitments, address books, messages), kept from its
    /// events, the feed of its changes, and the commands sent to it.
    /// </summary>
    public static IServiceCollection AddContactCenter(this IServiceCollection services)
    {
        services.AddOptions<ContactCenterOptions>().BindConfiguration(ContactCenterOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ContactCenterOptions>, HubOptionsValidator>();
        services.AddSingleton<LivePictureFeed>().AddSingleton<LivePictureStore>();
        services.AddSingleton<ContactCenterConnections>().AddSingleton<CommandStore>().AddSingleton<CommandSender>();
        // Each attempt has its own limit (ContactCenter:CommandTimeout); the client's own would cut across retries.
        services.AddHttpClient(CommandSender.HttpClientName).ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
        return services;
    }

    public static void MapContactCenter(this IEndpointRouteBuilder app)
    {
        app.MapLivePicture();
        app.MapContactCenterCommands();
        app.MapContactCenterPage();
    }
}
