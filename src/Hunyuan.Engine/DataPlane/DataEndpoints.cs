using System.Globalization;
using System.Net;

namespace Hunyuan.Engine.DataPlane;

/// <summary>Data-plane addresses as "host:port" ("[v6]:port" for IPv6), as nodes report them.</summary>
public static class DataEndpoints
{
    public static string Format(IPEndPoint endpoint) => endpoint.ToString();

    public static (string Host, int Port) Parse(string endpoint)
    {
        if (IPEndPoint.TryParse(endpoint, out var ip) && ip.Port > 0)
        {
            return (ip.Address.ToString(), ip.Port);
        }

        var colon = endpoint.LastIndexOf(':');
        if (colon > 0 && int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
        {
            return (endpoint[..colon], port);
        }

        throw new FormatException($"'{endpoint}' is not a data-plane address (host:port)");
    }
}
