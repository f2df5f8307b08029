namespace ContactBridge.ContactCenter;

public static class ContactCenterServices
{
    /// <summary>The contact center's side: its live picture (agents, queues), kept from its events, and the feed of its changes.</summary>
    public static IServiceCollection AddContactCenter(this IServiceCollection services) => services.AddSingleton<LivePictureFeed>().AddSingleton<LivePictureStore>();
}
