namespace Berth.Runtime;

/// <summary>Entry points the berth-runtime program hands control to.</summary>
public static class RuntimeEntry
{
    /// <summary>"berth-runtime init": the container side, started by create through the C stage.</summary>
    public static int Init() => Berth.Runtime.Init.ContainerInit.Run();
}
