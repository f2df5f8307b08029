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
        // Each attempt has its own limit (ContactCenter:CommandTimeout); the client's own would cut across retries. No redirects, and
        // the address a name resolves to is checked when connecting: the URL's check alone would not stop a name that points inside.
        services.AddHttpClient(CommandSender.HttpClientName).ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptions<ContactCenterOptions>>();
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    ConnectCallback = async (context, ct) =>
                    {
                        var addresses = await System.Net.Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
                        if (!options.Value.AllowPrivateNetwork && addresses.Any(ContactCenterConnections.IsPrivate))
                            throw new CommandUrlRefusedException($"{context.DnsEndPoint.Host} resolves to a private address. {ContactCenterConnections.PrivateNetworkRefused}");
                        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                        try
                        {
                            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
                            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                        }
                        catch
                        {
                            socket.Dispose();
                            throw;
                        }
                    },
                };
            });
        return services;
    }

    public static void MapContactCenter(this IEndpointRouteBuilder app)
    {
        app.MapLivePicture();
        app.MapContactCenterCommands();
        app.MapContactCenterPage();
    }
}
