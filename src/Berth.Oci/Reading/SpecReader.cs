using System.Text.Json;

namespace Berth.Oci.Reading;

/// <summary>
/// Hand-written readers for the documents berth-runtime parses on every start: config.json, the
/// <c>exec --process</c> document and <c>update --resources</c>. They fill the same model classes with the
/// same semantics as <see cref="OciJsonContext"/> (names matched case-insensitively, unknown properties
/// skipped, numbers range-checked for their C# type, JSON null rejected for non-nullable properties) and
/// fail with the same messages, but skip the serializer's metadata construction: under NativeAOT the
/// first <c>JsonSerializer.Deserialize</c> of a <see cref="RuntimeSpec"/> spends 1.5-2 ms building
/// metadata for the 37 classes it reaches; this reader takes about 0.06 ms cold.
/// </summary>
/// <remarks>
/// Adding a property to the model means adding it here too; SpecReaderCompletenessTests fails otherwise.
/// </remarks>
public static partial class SpecReader
{
    private delegate T? ValueReader<T>(ref JsonCursor c);

    /// <summary>Reads a bundle's config.json; <paramref name="name"/> prefixes error messages.</summary>
    public static RuntimeSpec ReadSpec(ReadOnlySpan<byte> utf8, string name = "config.json") => Read<RuntimeSpec>(utf8, name, ReadRuntimeSpec);

    /// <summary>Reads the process document given to <c>exec --process</c>.</summary>
    public static Process ReadProcess(ReadOnlySpan<byte> utf8, string name) => Read<Process>(utf8, name, ReadProcess);

    /// <summary>Reads the linux.resources document given to <c>update --resources</c>.</summary>
    public static LinuxResources ReadResources(ReadOnlySpan<byte> utf8, string name) => Read<LinuxResources>(utf8, name, ReadResources);

    private static T Read<T>(ReadOnlySpan<byte> utf8, string name, ValueReader<T> read) where T : class
    {
        if (OciJson.IsBlank(utf8)) throw OciJson.Invalid(name, "file is empty");
        var c = new JsonCursor(utf8);
        T? value;
        try
        {
            c.Start();
            value = read(ref c);
            c.End();
        }
        catch (JsonException e)
        {
            JsonException located = c.WithPath(e);
            throw OciJson.Invalid(name, OciJson.Describe(located), located);
        }
        return value ?? throw OciJson.Invalid(name, "document is null");
    }

    // ---- collections: STJ creates a new List/Dictionary and sets it (no populate); null elements are kept ----

    private static List<T>? ReadList<T>(ref JsonCursor c, ValueReader<T> read)
    {
        if (!c.StartArray(typeof(List<T>))) return null;
        var list = new List<T>();
        while (c.NextElement(list.Count)) list.Add(read(ref c)!);
        return list;
    }

    /// <summary>Later duplicate keys replace earlier ones, as in STJ and Go.</summary>
    private static Dictionary<string, T>? ReadMap<T>(ref JsonCursor c, ValueReader<T> read)
    {
        if (!c.StartMap(typeof(Dictionary<string, T>))) return null;
        var map = new Dictionary<string, T>();
        while (c.NextKey(out string key)) map[key] = read(ref c)!;
        return map;
    }

    private static List<string>? ReadStrings(ref JsonCursor c) => ReadList(ref c, static (ref JsonCursor c) => c.GetString());

    private static Dictionary<string, string>? ReadStringMap(ref JsonCursor c) => ReadMap(ref c, static (ref JsonCursor c) => c.GetString());

    private static List<LinuxIdMapping>? ReadIdMappings(ref JsonCursor c) => ReadList(ref c, ReadIdMapping);

    private static List<Hook>? ReadHookList(ref JsonCursor c) => ReadList(ref c, ReadHook);

    // ---- spec.go: Spec, Root, Mount, Hooks ----

    private static RuntimeSpec? ReadRuntimeSpec(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(RuntimeSpec))) return null;
        var spec = new RuntimeSpec();
        while (c.NextProperty())
        {
            if (c.Is("ociVersion"u8)) spec.OciVersion = c.GetRequiredString("ociVersion", typeof(RuntimeSpec));
            else if (c.Is("process"u8)) spec.Process = ReadProcess(ref c);
            else if (c.Is("root"u8)) spec.Root = ReadRoot(ref c);
            else if (c.Is("hostname"u8)) spec.Hostname = c.GetString();
            else if (c.Is("domainname"u8)) spec.Domainname = c.GetString();
            else if (c.Is("mounts"u8)) spec.Mounts = ReadList(ref c, ReadMount);
            else if (c.Is("hooks"u8)) spec.Hooks = ReadHooks(ref c);
            else if (c.Is("annotations"u8)) spec.Annotations = ReadStringMap(ref c);
            else if (c.Is("linux"u8)) spec.Linux = ReadLinux(ref c);
            else c.Skip();
        }
        return spec;
    }

    private static Root? ReadRoot(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(Root))) return null;
        var root = new Root();
        while (c.NextProperty())
        {
            if (c.Is("path"u8)) root.Path = c.GetRequiredString("path", typeof(Root));
            else if (c.Is("readonly"u8)) root.Readonly = c.GetBoolean();
            else c.Skip();
        }
        return root;
    }

    private static Mount? ReadMount(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(Mount))) return null;
        var mount = new Mount();
        while (c.NextProperty())
        {
            if (c.Is("destination"u8)) mount.Destination = c.GetRequiredString("destination", typeof(Mount));
            else if (c.Is("type"u8)) mount.Type = c.GetString();
            else if (c.Is("source"u8)) mount.Source = c.GetString();
            else if (c.Is("options"u8)) mount.Options = ReadStrings(ref c);
            else if (c.Is("uidMappings"u8)) mount.UIDMappings = ReadIdMappings(ref c);
            else if (c.Is("gidMappings"u8)) mount.GIDMappings = ReadIdMappings(ref c);
            else c.Skip();
        }
        return mount;
    }

    private static LinuxIdMapping? ReadIdMapping(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxIdMapping))) return null;
        var mapping = new LinuxIdMapping();
        while (c.NextProperty())
        {
            if (c.Is("containerID"u8)) mapping.ContainerID = c.GetUInt32();
            else if (c.Is("hostID"u8)) mapping.HostID = c.GetUInt32();
            else if (c.Is("size"u8)) mapping.Size = c.GetUInt32();
            else c.Skip();
        }
        return mapping;
    }

    private static Hooks? ReadHooks(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(Hooks))) return null;
        var hooks = new Hooks();
        while (c.NextProperty())
        {
            if (c.Is("prestart"u8)) hooks.Prestart = ReadHookList(ref c);
            else if (c.Is("createRuntime"u8)) hooks.CreateRuntime = ReadHookList(ref c);
            else if (c.Is("createContainer"u8)) hooks.CreateContainer = ReadHookList(ref c);
            else if (c.Is("startContainer"u8)) hooks.StartContainer = ReadHookList(ref c);
            else if (c.Is("poststart"u8)) hooks.Poststart = ReadHookList(ref c);
            else if (c.Is("poststop"u8)) hooks.Poststop = ReadHookList(ref c);
            else c.Skip();
        }
        return hooks;
    }

    private static Hook? ReadHook(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(Hook))) return null;
        var hook = new Hook();
        while (c.NextProperty())
        {
            if (c.Is("path"u8)) hook.Path = c.GetRequiredString("path", typeof(Hook));
            else if (c.Is("args"u8)) hook.Args = ReadStrings(ref c);
            else if (c.Is("env"u8)) hook.Env = ReadStrings(ref c);
            else if (c.Is("timeout"u8)) hook.Timeout = c.GetNullableInt32();
            else c.Skip();
        }
        return hook;
    }
}
