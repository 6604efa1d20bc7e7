namespace Hunyuan.Engine.DataPlane;

/// <summary>The client half of the hello exchange.</summary>
internal static class DataPlaneClient
{
    public static async Task HandshakeAsync(FrameConnection connection, DataPlaneHello hello, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        Frame? reply;
        try
        {
            await connection.SendAsync(FrameKind.Hello, hello.Encode(), cancellationToken: cts.Token);
            reply = await connection.ReceiveAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DataPlaneException($"{connection.Peer} did not answer the data-plane hello within {timeout.TotalSeconds:F0} s");
        }

        if (reply is not { Kind: FrameKind.HelloReply } r)
        {
            throw new DataPlaneException($"{connection.Peer} closed the connection instead of answering the hello");
        }

        var reader = new WireReader(r.Payload);
        var accepted = reader.U8() == 1;
        var message = reader.Str();
        if (!accepted)
        {
            throw new DataPlaneException($"{connection.Peer} refused the connection: {message}");
        }
    }

    public static ReadOnlyMemory<byte> Reply(bool accepted, string message) => new WireWriter().U8(accepted ? (byte)1 : (byte)0).Str(message).Written;
}
