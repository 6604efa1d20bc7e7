namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>An NCCL call or communicator failed; the step it belonged to fails with it.</summary>
public sealed class NcclException : Exception
{
    public NcclException()
    {
    }

    public NcclException(string message)
        : base(message)
    {
    }

    public NcclException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public NcclException(NcclResult result, string message)
        : base(message) => Result = result;

    public NcclResult Result { get; }
}
