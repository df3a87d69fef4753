using Berth.Core;

namespace Berth.Cgroups.Tests;

public sealed class ConversionTests
{
    [Theory]
    [InlineData(0ul, 0ul)]
    [InlineData(1ul, 1ul)]
    [InlineData(2ul, 1ul)]
    [InlineData(128ul, 21ul)]
    [InlineData(256ul, 35ul)]
    [InlineData(512ul, 59ul)]
    [InlineData(1024ul, 100ul)]
    [InlineData(2048ul, 174ul)]
    [InlineData(4096ul, 303ul)]
    [InlineData(262144ul, 10000ul)]
    [InlineData(1000000ul, 10000ul)]
    public void Cpu_shares_to_weight(ulong shares, ulong weight) => Assert.Equal(weight, CgroupConversions.CpuSharesToWeight(shares));

    [Theory]
    [InlineData((ushort)0, 0ul)]
    [InlineData((ushort)10, 1ul)]
    [InlineData((ushort)500, 4950ul)]
    [InlineData((ushort)1000, 10000ul)]
    public void Blkio_weight_to_io_weight(ushort weight, ulong ioWeight) => Assert.Equal(ioWeight, CgroupConversions.BlkioWeightToIoWeight(weight));

    [Theory]
    [InlineData(0L, -1L, -1L)]
    [InlineData(-1L, 1000L, -1L)]
    [InlineData(0L, 1000L, 0L)]
    [InlineData(3000L, 1000L, 2000L)]
    [InlineData(1000L, 1000L, 0L)]
    [InlineData(5000L, -1L, 5000L)]
    public void Memory_swap_to_v2(long swap, long memory, long expected) => Assert.Equal(expected, CgroupConversions.MemorySwapToV2(swap, memory));

    [Theory]
    [InlineData(500L, 1000L)]
    [InlineData(500L, 0L)]
    public void Impossible_swap_is_refused(long swap, long memory) =>
        TestSupport.Fails(ErrorKind.InvalidArgument, () => CgroupConversions.MemorySwapToV2(swap, memory));
}
