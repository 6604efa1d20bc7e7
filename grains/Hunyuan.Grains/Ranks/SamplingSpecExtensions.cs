using Hunyuan.Model.Generation;

namespace Hunyuan.Grains.Ranks;

public static class SamplingSpecExtensions
{
    public static SamplingParameters ToParameters(this SamplingSpec s) =>
        new(s.Temperature, s.TopP, s.TopK, s.MinP, s.RepetitionPenalty, s.PresencePenalty, s.FrequencyPenalty, s.Seed, s.VocabLimit);

    public static SamplingSpec ToSpec(this SamplingParameters p) =>
        new(p.Temperature, p.TopP, p.TopK, p.MinP, p.RepetitionPenalty, p.PresencePenalty, p.FrequencyPenalty, p.Seed, p.VocabLimit);
}
