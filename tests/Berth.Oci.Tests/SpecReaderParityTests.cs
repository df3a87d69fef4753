using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Core;
using Berth.Oci.Reading;

namespace Berth.Oci.Tests;

/// <summary>
/// SpecReader against the source-generated deserializer (<see cref="OciJson.Deserialize"/>): the same objects
/// for real documents, and the same error (kind, message, path, line, column) for broken ones.
/// </summary>
/// <remarks>
/// TestData provenance: runc-spec*.json from <c>runc spec [--rootless]</c> (runc 1.1.5), crun-spec.json from
/// <c>crun spec</c> (crun 1.8.1), podman-config.json is the userdata/config.json written by podman 4.3.1 for
/// <c>podman create --memory 256m --memory-reservation 128m --cpu-shares 512 --cpus 1.5 --cpuset-cpus 0-1
/// --pids-limit 100 --cap-add SYS_PTRACE --ulimit nofile=1024:2048 --tmpfs /run -v /tmp:/hosttmp:ro
/// --sysctl net.ipv4.ip_forward=1 --annotation com.example.x=y --rootfs ... /bin/sh -c 'echo hi'</c>
/// (seccomp profile included), moby-default-seccomp.json is moby/profiles seccomp/default.json as vendored in
/// moby/moby b985e2313a86: Docker's profile format, whose archMap/includes/excludes/comment are unknown here.
/// </remarks>
public sealed class SpecReaderParityTests
{
    public static TheoryData<string> FixtureFiles => new() { "runc-spec.json", "runc-spec-rootless.json", "crun-spec.json", "podman-config.json" };

    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void RealConfig_ReadsExactlyAsTheSerializerDoes(string file)
    {
        byte[] json = TestData(file);

        string expected = OciJson.WriteIndented(OciJson.Deserialize(json, OciJsonContext.Default.RuntimeSpec, "config.json"));
        string actual = OciJson.WriteIndented(SpecReader.ReadSpec(json));

        Assert.Equal(expected, actual);
        Assert.Equal(SpecOutcome(json, reference: true), SpecOutcome(json, reference: false));
    }

    [Fact]
    public void PodmanConfig_KeepsItsSeccompProfileAndResources()
    {
        RuntimeSpec spec = SpecReader.ReadSpec(TestData("podman-config.json"));

        LinuxSeccomp seccomp = spec.Linux!.Seccomp!;
        Assert.Equal(("SCMP_ACT_ERRNO", 38u), (seccomp.DefaultAction, seccomp.DefaultErrnoRet!.Value));
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], seccomp.Architectures!);
        Assert.Equal(22, seccomp.Syscalls!.Count);
        Assert.Contains(seccomp.Syscalls, s => s.Args is { Count: > 0 });
        Assert.Equal(268435456L, spec.Linux.Resources!.Memory!.Limit);
        Assert.Equal(150000L, spec.Linux.Resources.Cpu!.Quota);
        Assert.Equal(100L, spec.Linux.Resources.Pids!.Limit);
        Assert.Equal("y", spec.Annotations!["com.example.x"]);
    }

    [Fact]
    public void DockerDefaultSeccompProfile_ReadsExactlyAsTheSerializerDoes()
    {
        byte[] json = [.. """{"ociVersion":"1.2.0","linux":{"seccomp":"""u8, .. TestData("moby-default-seccomp.json"), .. "}}"u8];

        string expected = OciJson.WriteIndented(OciJson.Deserialize(json, OciJsonContext.Default.RuntimeSpec, "config.json"));
        RuntimeSpec spec = SpecReader.ReadSpec(json);

        Assert.Equal(expected, OciJson.WriteIndented(spec));
        LinuxSeccomp seccomp = spec.Linux!.Seccomp!;
        Assert.Equal(1u, seccomp.DefaultErrnoRet);
        Assert.Null(seccomp.Architectures);                // Docker's archMap is not part of the OCI format
        Assert.True(seccomp.Syscalls!.Count > 30);
        Assert.Contains(seccomp.Syscalls, s => s.Args?.Any(a => a.Op == "SCMP_CMP_MASKED_EQ") == true);
    }

    [Fact]
    public void FullConfig_AndItsProcessAndResources_ReadExactlyAsTheSerializerDoes()
    {
        byte[] json = Encoding.UTF8.GetBytes(Fixtures.FullConfig);
        JsonNode root = JsonNode.Parse(json)!;
        byte[] process = Encoding.UTF8.GetBytes(root["process"]!.ToJsonString());
        byte[] resources = Encoding.UTF8.GetBytes(root["linux"]!["resources"]!.ToJsonString());

        Assert.Equal(SpecOutcome(json, reference: true), SpecOutcome(json, reference: false));
        Assert.Equal(ProcessOutcome(process, reference: true), ProcessOutcome(process, reference: false));
        Assert.Equal(ResourcesOutcome(resources, reference: true), ResourcesOutcome(resources, reference: false));
        Assert.StartsWith("ok ", ResourcesOutcome(resources, reference: false));
    }

    [Fact]
    public void OciJsonRead_OfTheDefaultContextsThreeDocuments_GoesThroughSpecReader()
    {
        var spec = Assert.Throws<BerthException>(() => OciJson.Read("""{"process": {"user": {"uid": "x"}}}"""u8, OciJsonContext.Default.RuntimeSpec, "config.json"));
        var process = Assert.Throws<BerthException>(() => OciJson.Read("""{"user": {"uid": "x"}}"""u8, OciJsonContext.Default.Process, "process.json"));
        var resources = Assert.Throws<BerthException>(() => OciJson.Read("""{"pids": {"limit": "x"}}"""u8, OciJsonContext.Default.LinuxResources, "r.json"));
        var otherOptions = new JsonSerializerOptions(OciJsonContext.Default.Options);
        var viaOtherOptions = Assert.Throws<BerthException>(() => OciJson.Read("""{"process": {"user": {"uid": "x"}}}"""u8,
            (System.Text.Json.Serialization.Metadata.JsonTypeInfo<RuntimeSpec>)otherOptions.GetTypeInfo(typeof(RuntimeSpec)), "config.json"));

        string reading = typeof(SpecReader).Namespace!;
        Assert.Contains(reading, spec.InnerException!.StackTrace);
        Assert.Contains(reading, process.InnerException!.StackTrace);
        Assert.Contains(reading, resources.InnerException!.StackTrace);
        Assert.DoesNotContain(reading, viaOtherOptions.InnerException!.StackTrace);
        Assert.Equal(spec.Message, viaOtherOptions.Message);
        Assert.Equal("process.json: invalid JSON at line 1, column 21 ($.user.uid): The JSON value could not be converted to System.UInt32", process.Message);
        Assert.Equal("r.json: invalid JSON at line 1, column 23 ($.pids.limit): The JSON value could not be converted to System.Nullable`1[System.Int64]", resources.Message);
    }

    [Fact]
    public void SpanOverloads_ReadEachDocumentAndNameItInErrors()
    {
        Assert.Equal("1.2.0", OciJson.ReadSpec("""{"ociVersion": "1.2.0"}"""u8).OciVersion);
        Assert.Equal(["ps"], OciJson.ReadProcess("""{"args": ["ps"], "cwd": "/"}"""u8).Args!);
        Assert.Equal(5L, OciJson.ReadResources("""{"pids": {"limit": 5}}"""u8).Pids!.Limit);

        Assert.Equal("config.json: document is null", Assert.Throws<BerthException>(() => OciJson.ReadSpec("null"u8)).Message);
        Assert.Equal("process.json: file is empty", Assert.Throws<BerthException>(() => OciJson.ReadProcess(""u8)).Message);
        Assert.StartsWith("resources: invalid JSON at line 1, column 11 ($.pids)", Assert.Throws<BerthException>(() => OciJson.ReadResources("""{"pids": 5}"""u8)).Message);
    }

    /// <summary>Documents that are broken, or legal but odd; each line is read by both readers.</summary>
    public static TheoryData<string> OddDocuments => new()
    {
        // not a spec at all
        "", "  \n ", "null", "null x", "{} x", "{\"ociVersion\": \"1\"} {", "[1]", "[]", "\"x\"", "5", "true",
        // truncated
        "{", "{\"ociVersion\"", "{\"ociVersion\":", "{\"ociVersion\": \"1.0.0\"", "{\"ociVersion\": \"1.0", "{\"process\": {\"args\": [\"sh\", ",
        "{\"annotations\": {\"a\": \"1\", ", "{\"mounts\": [{\"destination\": \"/\"}, ", "{\"mounts\": [", "{\"linux\": {\"resources\": {\"rdma\": {\"x\": {",
        // syntax
        "{\"ociVersion\": \"1\",}", "{\"process\": {\"args\": [\"sh\",]}}", "{/* c */}", "{'ociVersion': '1'}", "{\"ociVersion\": NaN}",
        "{\"ociVersion\": \"a\tb\"}", "{\"ociVersion\": \"\\x\"}", "{\"ociVersion\" \"1\"}", "{\"ociVersion\": 01}", "\uFEFF{\"ociVersion\": \"1\"}",
        "{\"future\": " + new string('[', 70) + new string(']', 70) + "}",
        // wrong types
        "{\"ociVersion\": 1}", "{\"ociVersion\": {}}", "{\"process\": \"x\"}", "{\"process\": []}", "{\"process\": {\"args\": \"sh\"}}",
        "{\"process\": {\"args\": [1]}}", "{\"process\": {\"args\": [[]]}}", "{\"process\": {\"terminal\": \"yes\"}}", "{\"process\": {\"terminal\": 1}}",
        "{\"mounts\": {}}", "{\"mounts\": [5]}", "{\"mounts\": [{\"options\": [\"ro\", 1]}]}", "{\"annotations\": []}", "{\"annotations\": {\"a\": 1}}",
        "{\"annotations\": {\"a.b\": 1}}", "{\"annotations\": {\"a\": \"1\", \"b\": {}}}", "{\"linux\": {\"resources\": {\"rdma\": {\"mlx\": 5}}}}",
        "{\"linux\": {\"netDevices\": {\"eth 0\": {\"name\": 1}}}}", "{\"linux\": {\"resources\": {\"memory\": {\"disableOOMKiller\": \"true\"}}}}",
        "{\"process\": {\"user\": {\"additionalGids\": [1, \"2\"]}}}", "{\"process\": {\"user\": {\"uid\": \"0\"}}}",
        // null where the type does not allow it
        "{\"ociVersion\": null}", "{\"process\": {\"user\": null}}", "{\"Process\": {\"USER\": null}}", "{\"process\": {\"cwd\": null}}",
        "{\"root\": {\"path\": null}}", "{\"root\": {\"readonly\": null}}", "{\"linux\": {\"seccomp\": {\"defaultAction\": null}}}",
        "{\"linux\": {\"seccomp\": {\"syscalls\": [{\"names\": null}]}}}", "{\"process\": {\"user\": {\"uid\": null}}}",
        "{\"process\": {\"rlimits\": [{\"type\": null}]}}", "{\"process\": {\"user\": {\"additionalGids\": [1, null]}}}",
        "{\"linux\": {\"devices\": [{\"major\": null}]}}", "{\"linux\": {\"resources\": {\"devices\": [{\"allow\": null}]}}}",
        "{\"linux\": {\"resources\": {\"hugepageLimits\": [{\"pageSize\": null}]}}}",
        // null where it is allowed
        "{\"process\": null, \"root\": null, \"mounts\": null, \"hooks\": null, \"annotations\": null, \"linux\": null}",
        "{\"process\": {\"args\": [\"a\", null], \"oomScoreAdj\": null, \"user\": {\"umask\": null}}, \"mounts\": [null]}",
        "{\"annotations\": {\"a\": null}, \"linux\": {\"resources\": {\"rdma\": {\"x\": null}}, \"sysctl\": {}}}",
        "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [null], \"action\": \"SCMP_ACT_LOG\"}]}}}",
        // numbers out of range or not integers
        "{\"process\": {\"user\": {\"uid\": 4294967296}}}", "{\"process\": {\"user\": {\"uid\": -1}}}", "{\"process\": {\"user\": {\"umask\": -1}}}",
        "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551616}]}}",
        "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551615, \"soft\": -0}]}}",
        "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"major\": 9223372036854775808}]}}",
        "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"major\": -9223372036854775808}]}}",
        "{\"process\": {\"oomScoreAdj\": 2147483648}}", "{\"process\": {\"oomScoreAdj\": -2147483648}}",
        "{\"linux\": {\"resources\": {\"blockIO\": {\"weight\": 65536}}}}", "{\"linux\": {\"resources\": {\"blockIO\": {\"weight\": 65535}}}}",
        "{\"linux\": {\"resources\": {\"memory\": {\"limit\": 1.5}}}}", "{\"linux\": {\"resources\": {\"memory\": {\"limit\": 1e3}}}}",
        "{\"linux\": {\"resources\": {\"memory\": {\"limit\": 1.0}}}}", "{\"linux\": {\"resources\": {\"memory\": {\"swappiness\": -1}}}}",
        "{\"linux\": {\"resources\": {\"pids\": {\"limit\": -1}}}}", "{\"hooks\": {\"prestart\": [{\"path\": \"/x\", \"timeout\": 1e400}]}}",
        "{\"linux\": {\"seccomp\": {\"defaultAction\": \"A\", \"syscalls\": [{\"names\": [], \"action\": \"B\", \"args\": [{\"index\": 0, \"value\": 18446744073709551615, \"valueTwo\": 1, \"op\": \"C\"}]}]}}}",
        // names: case, escapes, duplicates, unknown and metadata-like properties
        "{\"OCIVERSION\": \"1\", \"Process\": {\"ARGS\": [\"x\"], \"Cwd\": \"/\"}}", "{\"\\u006fciVersion\": \"1\"}", "{\"ociVersion\": \"1\", \"ho\\u0073tname\": 5}",
        "{\"process\": {\"args\": [\"a\"], \"Args\": [\"b\"]}}", "{\"annotations\": {\"a\": \"1\", \"a\": \"2\", \"A\": \"3\"}}",
        "{\"linux\": {\"resources\": {\"devices\": [{\"allow\": true}], \"devices\": null}}}",
        "{\"$id\": \"1\", \"$ref\": \"x\", \"$type\": 5, \"ociVersion\": \"1\"}", "{\"process\": {\"argſ\": 5, \"cwd\": \"/\"}}",
        "{\"someFuture\": [1, 2, }", "{\"windows\": {\"layerFolders\": [\"C:\\\\x\"]}, \"vm\": {\"hypervisor\": {}}, \"ociVersion\": 2}",
        // strings that do not decode
        "{\"process\": {\"args\": [\"\\ud800\"]}}", "{\"annotations\": {\"\\ud800\": \"1\"}}", "{\"\\ud800\": 1}",
        "{\"ociVersion\": \"1\", \"\\ud800x\": 1, \"hostname\": 5}", "{\"hostname\": \"\\udc00\\ud800\"}", "{\"hostname\": \"caf\\u00e9 \\ud83d\\ude00\"}",
        // positions on later lines
        "{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": {\"args\": [\"sh\",]}\n}", "{\r\n  \"ociVersion\":\r\n 5}", "{\n\n\n   \"linux\": {\"sysctl\": {\"a\": 1}}}",
    };

    [Theory]
    [MemberData(nameof(OddDocuments))]
    public void OddDocument_ReadsOrFailsExactlyAsTheSerializerDoes(string document)
    {
        byte[] json = Encoding.UTF8.GetBytes(document);

        Assert.Equal(SpecOutcome(json, reference: true), SpecOutcome(json, reference: false));
        Assert.Equal(ProcessOutcome(json, reference: true), ProcessOutcome(json, reference: false));
        Assert.Equal(ResourcesOutcome(json, reference: true), ResourcesOutcome(json, reference: false));
    }

    [Fact]
    public void InvalidUtf8_FailsExactlyAsTheSerializerDoes()
    {
        byte[][] documents =
        [
            [.. "{\"hostname\": \""u8, 0xC3, 0x28, .. "\"}"u8],
            [.. "{\""u8, 0xFF, .. "\": 1, \"ociVersion\": 5}"u8],
            [.. "{\"annotations\": {\""u8, 0xC3, .. "\": \"v\"}}"u8],
            [.. "{\"process\": {\"args\": [\"ok\", \""u8, 0xED, 0xA0, 0x80, .. "\"]}}"u8],
        ];

        foreach (byte[] json in documents)
            Assert.Equal(SpecOutcome(json, reference: true), SpecOutcome(json, reference: false));
    }

    /// <summary>Every value of a document with every property set, replaced in turn by each of these.</summary>
    private static readonly string[] WrongValues =
    [
        "null", "\"s\"", "0", "-1", "-0", "1.5", "1e2", "65536", "2147483648", "4294967296", "9223372036854775808",
        "18446744073709551616", "-9223372036854775809", "true", "[]", "[null]", "[\"s\"]", "[1]", "{}", "{\"k\": null}", "{\"k\": 1}",
    ];

    [Fact]
    public void EveryValueReplacedByAWrongOne_FailsExactlyAsTheSerializerDoes()
    {
        AssertMutantsAgree(JsonSerializer.Serialize((RuntimeSpec)SpecReaderCompletenessTests.Fill(typeof(RuntimeSpec)), OciJsonContext.Default.RuntimeSpec), SpecOutcome, 300);
        AssertMutantsAgree(JsonSerializer.Serialize((Process)SpecReaderCompletenessTests.Fill(typeof(Process)), OciJsonContext.Default.Process), ProcessOutcome, 40);
        AssertMutantsAgree(JsonSerializer.Serialize((LinuxResources)SpecReaderCompletenessTests.Fill(typeof(LinuxResources)), OciJsonContext.Default.LinuxResources), ResourcesOutcome, 40);
    }

    [Fact]
    public void EveryTruncation_FailsExactlyAsTheSerializerDoes()
    {
        AssertPrefixesAgree(Encoding.UTF8.GetBytes(Fixtures.FullConfig));
        AssertPrefixesAgree(TestData("podman-config.json"));
    }

    private static void AssertMutantsAgree(string json, Func<byte[], bool, string> outcome, int minValues)
    {
        JsonNode original = JsonNode.Parse(json)!;
        var slots = new List<object[]>();
        CollectSlots(original, [], slots);
        var disagreements = new List<string>();
        int documents = 0;
        foreach (object[] slot in slots)
        {
            foreach (string wrong in WrongValues)
            {
                JsonNode mutant = original.DeepClone();
                Replace(mutant, slot, JsonNode.Parse(wrong));
                byte[] bytes = Indented(mutant);
                documents++;
                string expected = outcome(bytes, true), actual = outcome(bytes, false);
                if (expected != actual) disagreements.Add($"{string.Join("/", slot)} = {wrong}: {Difference(expected, actual)}");
            }
        }
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} of {documents} documents differ; first ones:\n{string.Join("\n", disagreements.Take(10))}");
        Assert.True(slots.Count >= minValues, $"only {slots.Count} values in the document");
    }

    private static void AssertPrefixesAgree(byte[] json)
    {
        var disagreements = new List<string>();
        for (int length = 0; length < json.Length; length++)
        {
            byte[] prefix = json[..length];
            string expected = SpecOutcome(prefix, true), actual = SpecOutcome(prefix, false);
            if (expected != actual) disagreements.Add($"{length} bytes: {Difference(expected, actual)}");
        }
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} of {json.Length} prefixes differ; first ones:\n{string.Join("\n", disagreements.Take(10))}");
    }

    private static string SpecOutcome(byte[] json, bool reference) => Outcome(() => OciJson.Write(reference
        ? OciJson.Deserialize(json, OciJsonContext.Default.RuntimeSpec, "config.json")
        : SpecReader.ReadSpec(json)));

    private static string ProcessOutcome(byte[] json, bool reference) => Outcome(() => OciJson.Write(reference
        ? OciJson.Deserialize(json, OciJsonContext.Default.Process, "process.json")
        : SpecReader.ReadProcess(json, "process.json")));

    private static string ResourcesOutcome(byte[] json, bool reference) => Outcome(() => OciJson.Write(reference
        ? OciJson.Deserialize(json, OciJsonContext.Default.LinuxResources, "resources")
        : SpecReader.ReadResources(json, "resources")));

    private static string Outcome(Func<string> read)
    {
        try
        {
            return "ok " + read();
        }
        catch (BerthException e)
        {
            string where = e.InnerException is JsonException j ? $" [{j.Path} {j.LineNumber}:{j.BytePositionInLine}]" : "";
            return $"{e.Kind} {e.Message}{where}";
        }
    }

    // Where two outcomes part, with some context: whole documents would drown the report.
    private static string Difference(string expected, string actual)
    {
        int at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        int from = Math.Max(0, at - 60);
        return $"\n  serializer: …{expected[from..Math.Min(expected.Length, at + 100)]}\n  SpecReader: …{actual[from..Math.Min(actual.Length, at + 100)]}";
    }

    // Every value, but only the first element of an array and the first entry of a dictionary are entered:
    // the second ones are replaced whole (for the [1] and previous-key paths) without doubling the work per level.
    private static void CollectSlots(JsonNode node, List<object> path, List<object[]> slots)
    {
        if (node is JsonObject obj)
        {
            bool isMap = obj.Any(e => e.Key.StartsWith("k1-", StringComparison.Ordinal));
            foreach (KeyValuePair<string, JsonNode?> entry in obj)
                Visit(entry.Key, entry.Value, descend: !isMap || entry.Key.StartsWith("k1-", StringComparison.Ordinal));
        }
        else if (node is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++) Visit(i, array[i], descend: i == 0);
        }

        void Visit(object step, JsonNode? child, bool descend)
        {
            path.Add(step);
            slots.Add([.. path]);
            if (descend && child is not null) CollectSlots(child, path, slots);
            path.RemoveAt(path.Count - 1);
        }
    }

    private static void Replace(JsonNode root, object[] slot, JsonNode? value)
    {
        JsonNode parent = root;
        foreach (object step in slot[..^1])
            parent = step is string key ? parent[key]! : parent[(int)step]!;
        if (slot[^1] is string name) parent[name] = value;
        else parent[(int)slot[^1]] = value;
    }

    private static byte[] Indented(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            node.WriteTo(writer);
        return buffer.ToArray();
    }

    private static byte[] TestData(string file) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", file));
}
