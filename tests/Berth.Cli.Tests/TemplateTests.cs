using System.Text.Json;
using Berth.Cli.Templates;

namespace Berth.Cli.Tests;

public sealed class TemplateTests
{
    private static readonly JsonElement Image = JsonDocument.Parse("""
        {"Id":"sha256:abc","RepoTags":["a:1","b:2"],"Size":1088000,"Config":{"Cmd":["sh","-c"],"Env":null,"Labels":{"z":"1","a":"x<y"}},
         "Os":"linux","Empty":"","Ratio":0.5,"Flag":true}
        """).RootElement;

    private static string Run(string template, JsonElement? data = null, string? strict = null) =>
        GoTemplate.Parse(template).WithStrictType(strict).Execute(data ?? Image);

    [Theory]
    [InlineData("{{.Id}}", "sha256:abc")]
    [InlineData("{{.Os}}/{{.Config.Cmd}}", "linux/[sh -c]")]
    [InlineData("{{.RepoTags}}", "[a:1 b:2]")]
    [InlineData("{{.Size}}", "1088000")]
    [InlineData("{{.Ratio}} {{.Flag}}", "0.5 true")]
    [InlineData("{{.Config.Env}}", "<nil>")]
    [InlineData("{{.Config.Labels}}", "map[a:x<y z:1]")]
    [InlineData("{{json .Config.Cmd}}", "[\"sh\",\"-c\"]")]
    [InlineData("{{json .Config.Labels}}", "{\"z\":\"1\",\"a\":\"x\\u003cy\"}")]
    [InlineData("{{join .RepoTags \",\"}}", "a:1,b:2")]
    [InlineData("{{upper .Os}} {{lower \"ABC\"}} {{title \"hello world\"}}", "LINUX abc Hello World")]
    [InlineData("{{.Os | upper}}", "LINUX")]
    [InlineData("{{len .RepoTags}}", "2")]
    [InlineData("{{index .Config.Labels \"z\"}}", "1")]
    [InlineData("{{index .RepoTags 1}}", "b:2")]
    [InlineData("{{range .RepoTags}}<{{.}}>{{end}}", "<a:1><b:2>")]
    [InlineData("{{range $.RepoTags}}{{$.Os}}{{end}}", "linuxlinux")]
    [InlineData("{{if .Empty}}yes{{else}}no{{end}}", "no")]
    [InlineData("{{if eq .Os \"linux\"}}L{{end}}", "L")]
    [InlineData("{{with .Config}}{{.Cmd}}{{end}}", "[sh -c]")]
    [InlineData("a  {{- .Os -}}  b", "alinuxb")]
    [InlineData("{{(index .RepoTags 0)}}", "a:1")]
    [InlineData("{{split \"a,b\" \",\"}}", "[a b]")]
    [InlineData("{{println .Os}}", "linux\n")]
    [InlineData("{{truncate .Id 6}}", "sha256")]
    public void Evaluates(string template, string expected) => Assert.Equal(expected, Run(template));

    [Fact]
    public void Json_of_the_whole_object_keeps_its_order()
    {
        var data = JsonDocument.Parse("{\"b\":1,\"a\":\"&\"}").RootElement;
        Assert.Equal("{\"b\":1,\"a\":\"\\u0026\"}", Run("{{json .}}", data));
    }

    [Theory]
    [InlineData("{{.Foo}}", "template: :1:2: executing \"\" at <.Foo>: map has no entry for key \"Foo\"")]
    [InlineData("{{.Config.Foo}}", "template: :1:9: executing \"\" at <.Config.Foo>: map has no entry for key \"Foo\"")]
    [InlineData("x\n{{json .Nope}}", "template: :2:7: executing \"\" at <.Nope>: map has no entry for key \"Nope\"")]
    public void A_missing_key_is_an_error_as_with_missingkey_error(string template, string message)
    {
        var e = Assert.Throws<TemplateException>(() => Run(template));
        Assert.Equal(message, e.Message);
        Assert.False(e.Parsing);
    }

    [Fact]
    public void A_struct_type_is_named_for_a_missing_field()
    {
        var row = JsonDocument.Parse("{\"ID\":\"abc\"}").RootElement;
        var e = Assert.Throws<TemplateException>(() => Run("{{.Foo}}", row, "*formatter.imageContext"));
        Assert.Equal("template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type *formatter.imageContext", e.Message);
        e = Assert.Throws<TemplateException>(() => Run("{{.ID.Foo}}", row, "*formatter.imageContext"));
        Assert.Equal("template: :1:5: executing \"\" at <.ID.Foo>: can't evaluate field Foo in type string", e.Message);
    }

    [Theory]
    [InlineData("{{.ID", "template: :1: unclosed action")]
    [InlineData("{{nosuch .ID}}", "template: :1: function \"nosuch\" not defined")]
    [InlineData("{{if .A}}x", "template: :1: unexpected EOF")]
    [InlineData("{{end}}", "template: :1: unexpected {{end}}")]
    [InlineData("{{\"abc}}", "template: :1: unclosed action")]
    public void Syntax_errors_use_gos_words(string template, string message)
    {
        var e = Assert.Throws<TemplateException>(() => GoTemplate.Parse(template));
        Assert.Equal(message, e.Message);
        Assert.True(e.Parsing);
    }
}
