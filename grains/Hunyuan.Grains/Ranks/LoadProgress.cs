namespace Hunyuan.Grains.Ranks;

/// <summary>
/// A rank's load progress, written by the loading thread and read by the grain: a cell of its own, so no grain field is
/// written off the grain's scheduler.
/// </summary>
internal sealed class LoadProgress
{
    private long _bits;

    public double Percent => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _bits)) * 100;

    public void Set(double fraction) => Interlocked.Exchange(ref _bits, BitConverter.DoubleToInt64Bits(fraction));

    public void Reset() => Set(0);
}
