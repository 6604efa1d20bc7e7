using Microsoft.Extensions.Options;

namespace Hunyuan.Serving;

/// <summary>Checks the endpoint's options when the host starts (ValidateOnStart): a bad option stops it before it listens.</summary>
internal sealed class ServingOptionsValidator : IValidateOptions<ServingOptions>
{
    public ValidateOptionsResult Validate(string? name, ServingOptions options) =>
        options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
