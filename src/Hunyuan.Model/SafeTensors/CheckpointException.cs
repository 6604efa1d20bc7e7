namespace Hunyuan.Model.SafeTensors;

/// <summary>A checkpoint that cannot be used as asked: the message names the file and, where there is one, the tensor.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string file, string? tensor, string problem)
        : base(tensor is null ? $"{file}: {problem}" : $"{file}: tensor '{tensor}': {problem}")
    {
        File = file;
        Tensor = tensor;
        Problem = problem;
    }

    public string File { get; }

    public string? Tensor { get; }

    public string Problem { get; }
}
