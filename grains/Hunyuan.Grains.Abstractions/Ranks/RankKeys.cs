namespace Hunyuan.Grains.Ranks;

/// <summary>Rank grain keys: "deployment|rank|node". The node in the key is what pins the grain to that node's silo.</summary>
public static class RankKeys
{
    public static string Format(string deployment, int rank, string node) => $"{deployment}|{rank}|{node}";

    public static (string Deployment, int Rank, string Node) Parse(string key)
    {
        var parts = key.Split('|');
        if (parts.Length != 3 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rank))
        {
            throw new ArgumentException($"'{key}' is not a rank key (deployment|rank|node)", nameof(key));
        }

        return (parts[0], rank, parts[2]);
    }
}
