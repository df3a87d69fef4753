using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Oci.Reading;

namespace Berth.Oci.Tests;

/// <summary>
/// SpecReader must read every property of every class reachable from the documents it reads. Reflection builds
/// a document where every settable property holds a non-default value; the source-generated serializer writes
/// it, SpecReader reads it back, and writing that again must give the same JSON. A property SpecReader forgets
/// (or spells wrongly) is missing from the second document.
/// </summary>
public sealed class SpecReaderCompletenessTests
{
    [Fact]
    public void EveryPropertyReachableFromRuntimeSpec_IsRead()
    {
        string json = JsonSerializer.Serialize((RuntimeSpec)Fill(typeof(RuntimeSpec)), OciJsonContext.Default.RuntimeSpec);

        RuntimeSpec read = SpecReader.ReadSpec(Encoding.UTF8.GetBytes(json));

        Assert.Equal(json, JsonSerializer.Serialize(read, OciJsonContext.Default.RuntimeSpec));
    }

    [Fact]
    public void EveryPropertyOfProcess_IsRead()
    {
        string json = JsonSerializer.Serialize((Process)Fill(typeof(Process)), OciJsonContext.Default.Process);

        Process read = SpecReader.ReadProcess(Encoding.UTF8.GetBytes(json), "process.json");

        Assert.Equal(json, JsonSerializer.Serialize(read, OciJsonContext.Default.Process));
    }

    [Fact]
    public void EveryPropertyOfLinuxResources_IsRead()
    {
        string json = JsonSerializer.Serialize((LinuxResources)Fill(typeof(LinuxResources)), OciJsonContext.Default.LinuxResources);

        LinuxResources read = SpecReader.ReadResources(Encoding.UTF8.GetBytes(json), "resources");

        Assert.Equal(json, JsonSerializer.Serialize(read, OciJsonContext.Default.LinuxResources));
    }

    [Fact]
    public void EveryPropertyName_IsMatchedCaseInsensitively()
    {
        string json = JsonSerializer.Serialize((RuntimeSpec)Fill(typeof(RuntimeSpec)), OciJsonContext.Default.RuntimeSpec);
        JsonNode shouted = Shout(JsonNode.Parse(json)!);

        RuntimeSpec read = SpecReader.ReadSpec(Encoding.UTF8.GetBytes(shouted.ToJsonString()));

        Assert.Equal(json, JsonSerializer.Serialize(read, OciJsonContext.Default.RuntimeSpec));
    }

    [Fact]
    public void TheFilledDocument_SetsEveryProperty()
    {
        // Guards the generator itself: every settable property of every reachable class is written.
        string json = JsonSerializer.Serialize((RuntimeSpec)Fill(typeof(RuntimeSpec)), OciJsonContext.Default.RuntimeSpec);
        var types = new HashSet<Type>();
        Reachable(typeof(RuntimeSpec), types);

        foreach (Type type in types)
        {
            foreach (PropertyInfo property in Settable(type))
                Assert.Contains($"\"{JsonName(property)}\":", json);
        }
        Assert.True(types.Count >= 37, $"only {types.Count} classes reachable from RuntimeSpec");
    }

    /// <summary>
    /// A document with every property set: strings "x-Name", numbers 1, 2, 3..., bools true, two list elements,
    /// two dictionary entries (one key needing STJ's ['bracket'] path notation), nested classes filled alike.
    /// </summary>
    internal static object Fill(Type type)
    {
        int counter = 0;
        return Fill(type, type.Name, ref counter);
    }

    private static object Fill(Type type, string name, ref int counter)
    {
        Type effective = Nullable.GetUnderlyingType(type) ?? type;
        if (effective == typeof(string)) return $"x-{name}";
        if (effective == typeof(bool)) return true;
        if (effective.IsEnum) return Enum.GetValues(effective).GetValue(Enum.GetValues(effective).Length - 1)!;
        if (effective.IsPrimitive) return Convert.ChangeType(++counter, effective, System.Globalization.CultureInfo.InvariantCulture);
        if (effective.IsGenericType && effective.GetGenericTypeDefinition() == typeof(List<>))
        {
            var list = (IList)Activator.CreateInstance(effective)!;
            list.Add(Fill(effective.GetGenericArguments()[0], name, ref counter));
            list.Add(Fill(effective.GetGenericArguments()[0], name, ref counter));
            return list;
        }
        if (effective.IsGenericType && effective.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            Assert.Equal(typeof(string), effective.GetGenericArguments()[0]);
            var map = (IDictionary)Activator.CreateInstance(effective)!;
            map.Add($"k1-{name}", Fill(effective.GetGenericArguments()[1], name, ref counter));
            map.Add($"k 2.{name}", Fill(effective.GetGenericArguments()[1], name, ref counter));
            return map;
        }
        if (effective.IsClass && effective.Namespace == typeof(RuntimeSpec).Namespace)
        {
            object value = Activator.CreateInstance(effective)!;
            foreach (PropertyInfo property in Settable(effective))
                property.SetValue(value, Fill(property.PropertyType, property.Name, ref counter));
            return value;
        }
        throw new NotSupportedException($"{effective}: teach the completeness test about this type");
    }

    private static IEnumerable<PropertyInfo> Settable(Type type)
        => type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true });

    private static string JsonName(PropertyInfo property)
        => property.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name
           ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    private static void Reachable(Type type, HashSet<Type> seen)
    {
        Type effective = Nullable.GetUnderlyingType(type) ?? type;
        if (effective.IsGenericType)
        {
            foreach (Type argument in effective.GetGenericArguments()) Reachable(argument, seen);
            return;
        }
        if (!effective.IsClass || effective == typeof(string) || !seen.Add(effective)) return;
        foreach (PropertyInfo property in Settable(effective)) Reachable(property.PropertyType, seen);
    }

    // Upper-cases every property name; dictionary keys (k1-..., "k 2....") keep their case.
    private static JsonNode Shout(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (KeyValuePair<string, JsonNode?> entry in obj)
                {
                    bool isKey = entry.Key.StartsWith("k1-", StringComparison.Ordinal) || entry.Key.StartsWith("k 2.", StringComparison.Ordinal);
                    copy[isKey ? entry.Key : entry.Key.ToUpperInvariant()] = entry.Value is null ? null : Shout(entry.Value.DeepClone());
                }
                return copy;
            case JsonArray array:
                return new JsonArray(array.Select(e => e is null ? null : Shout(e.DeepClone())).ToArray());
            default:
                return node.DeepClone();
        }
    }
}
