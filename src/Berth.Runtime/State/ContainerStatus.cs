namespace Berth.Runtime.State;

public enum ContainerStatus { Creating, Created, Running, Paused, Stopped }

public static class ContainerStatusRules
{
    public static bool CanStart(this ContainerStatus s) => s is ContainerStatus.Created;
    public static bool CanKill(this ContainerStatus s) => s is ContainerStatus.Created or ContainerStatus.Running or ContainerStatus.Paused;
    public static bool CanPause(this ContainerStatus s) => s is ContainerStatus.Running;
    public static bool CanResume(this ContainerStatus s) => s is ContainerStatus.Paused;
    public static bool CanExec(this ContainerStatus s) => s is ContainerStatus.Created or ContainerStatus.Running;
    public static bool CanDelete(this ContainerStatus s) => s is ContainerStatus.Stopped;

    public static string ToOci(this ContainerStatus s) => s switch
    {
        ContainerStatus.Creating => "creating",
        ContainerStatus.Created => "created",
        ContainerStatus.Running => "running",
        ContainerStatus.Paused => "paused",
        _ => "stopped",
    };
}
