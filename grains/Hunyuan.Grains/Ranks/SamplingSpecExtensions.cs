using Hunyuan.Model.Generation;

namespace Hunyuan.Grains.Ranks;

internal static class SamplingSpecExtensions
{
    public static SamplingParameters ToParameters(this SamplingSpec s) =>
        new(s.Temperature, s.TopP, s.TopK, s.MinP, s.RepetitionPenalty, s.PresencePenalty, s.FrequencyPenalty, s.Seed);
}
