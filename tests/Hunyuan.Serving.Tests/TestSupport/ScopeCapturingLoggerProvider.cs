using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Hunyuan.Serving.Tests.TestSupport;

/// <summary>Records each log line with the key/value pairs of the scopes it was written in (the trace id among them).</summary>
public sealed class ScopeCapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<CapturedLine> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    public sealed record CapturedLine(string Category, string Message, IReadOnlyDictionary<string, string> Scope);

    private sealed class Logger(ScopeCapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new Dictionary<string, string>(StringComparer.Ordinal);
            owner._scopes.ForEachScope((s, d) =>
            {
                if (s is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (k, v) in pairs)
                    {
                        d[k] = v?.ToString() ?? "";
                    }
                }
            }, scope);
            owner.Lines.Enqueue(new CapturedLine(category, formatter(state, exception), scope));
        }
    }
}
