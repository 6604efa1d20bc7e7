using System.Diagnostics;

namespace Hunyuan.Engine.Scheduling;

/// <summary>The spans of one step; disposing ends them.</summary>
internal sealed class StepTrace(Activity? batch, IReadOnlyList<Activity> steps) : IDisposable
{
    public void Fail(Exception error)
    {
        batch?.SetStatus(ActivityStatusCode.Error, error.GetBaseException().Message);
        foreach (var s in steps)
        {
            s.SetStatus(ActivityStatusCode.Error, error.GetBaseException().Message);
        }
    }

    public void Dispose()
    {
        batch?.Stop();
        foreach (var s in steps)
        {
            s.Stop();
        }
    }
}
