using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Tokenization;

namespace Hunyuan.Serving;

/// <summary>What the endpoint serves: a scheduler driving a model (in this process or a deployment's ranks), its tokenizer, readiness.</summary>
public interface IServingBackend
{
    Scheduler Scheduler { get; }

    HunyuanTokenizer Tokenizer { get; }

    int MaxModelLen { get; }

    /// <summary>Ready to serve (the deployment is ready and its canary passes), with the reason when not.</summary>
    (bool Ready, string Reason) Readiness();
}
