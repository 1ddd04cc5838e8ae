using System.Text;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Regexes;
using Prefilter.Engine.Scanning;
using static Prefilter.Engine.Tests.Scanning.TestSets;

namespace Prefilter.Engine.Tests.Scanning;

public sealed class CompiledSetArtifactTests(SpamAssassinCorpusFixture corpus) : IClassFixture<SpamAssassinCorpusFixture>
{
    private static readonly PatternSet Small = Of(
        Body("PILLS", "(?i)cheap\\s+pills", 6),
        Body("LOOKAHEAD", "(?i)free(?=\\s+money)", 1),
        Body("BACKREF", "(\\w)\\1{3}", 1));

    [Fact]
    public void An_artifact_round_trips_through_its_json()
    {
        var artifact = CompiledSetArtifact.Create(Small);

        var read = CompiledSetArtifact.Parse(artifact.ToUtf8Json());

        Assert.Equal(artifact.ToUtf8Json(), read.ToUtf8Json());
        Assert.Equal(PatternSetJson.ComputeDigest(Small), read.SetDigest);
        Assert.Equal(CompiledSetArtifact.CurrentEngine, read.Engine);
        Assert.Equal(3, read.Plans.Count);
    }

    [Fact]
    public void Compiling_with_the_artifact_takes_its_analysis_instead_of_analysing()
    {
        // An artifact whose plan differs from what analysis says shows which one the compiled set used.
        var json = Encoding.UTF8.GetString(CompiledSetArtifact.Create(Small).ToUtf8Json());
        var doctored = CompiledSetArtifact.Parse(Encoding.UTF8.GetBytes(json.Replace("\"class\":\"linear\"", "\"class\":\"checkedBacktracking\"", StringComparison.Ordinal)));

        var compiled = CompiledPatternSet.Compile(Small, artifact: doctored);

        Assert.True(compiled.LoadedFromArtifact);
        Assert.Equal(0, compiled.Classes.Linear);
        Assert.Equal(RuleExecutionClass.Linear, RegexAnalyzer.Analyze("(?i)cheap\\s+pills").Class);
    }

    private static readonly PatternSet Accelerated = Of(
        Body("PILLS", "(?i)\\bcheap\\s+pills\\b", 6),
        Body("LONG", "(?i)winner.{0,100}claim", 3),
        Header("SUBJECT", "Subject", "^.{0,8}$", 1));

    private static readonly string[] AcceleratedMails =
    [
        "Subject: hello\r\n\r\nBuy cheap pills now\r\n",
        "Subject: a much longer subject\r\n\r\nYou are a WINNER, please claim it\r\n",
        "Subject: hi\r\n\r\nNöcheap pills, é winner claim\r\n",
    ];

    [HyperscanAvailableFact]
    public void An_artifact_carries_the_hyperscan_databases_and_a_set_loaded_from_it_compiles_none_and_hits_the_same()
    {
        var artifact = CompiledSetArtifact.Parse(CompiledSetArtifact.Create(Accelerated).ToUtf8Json());
        Assert.NotNull(artifact.Hyperscan);

        var loaded = CompiledPatternSet.Compile(Accelerated, artifact: artifact);
        var alone = CompiledPatternSet.Compile(Accelerated, ScannerOptions.Default with { Accelerator = ScanAccelerator.None });

        Assert.True(loaded.LoadedFromArtifact);
        Assert.Equal(ScanAccelerator.Hyperscan, loaded.Accelerator);
        Assert.True(loaded.AcceleratedRegexes >= 2, $"Hyperscan runs {loaded.AcceleratedRegexes} of 3 patterns");
        foreach (var mail in AcceleratedMails)
        {
            var bytes = Encoding.UTF8.GetBytes(mail);
            Assert.Equal(alone.Scan(bytes).Hits.Select(hit => hit.RuleId).Order(), loaded.Scan(bytes).Hits.Select(hit => hit.RuleId).Order());
        }

        Assert.Contains("PILLS", loaded.Scan(Encoding.UTF8.GetBytes(AcceleratedMails[0])).Hits.Select(hit => hit.RuleId));
    }

    [HyperscanAvailableFact]
    public void Databases_of_another_hyperscan_version_are_compiled_here_and_the_set_says_it_did_not_load_from_the_artifact()
    {
        var json = Encoding.UTF8.GetString(CompiledSetArtifact.Create(Accelerated).ToUtf8Json());
        var version = CompiledSetArtifact.Parse(Encoding.UTF8.GetBytes(json)).Hyperscan!.Version!;
        var other = CompiledSetArtifact.Parse(Encoding.UTF8.GetBytes(json.Replace(version, "4.0.0 2019-01-01", StringComparison.Ordinal)));

        var compiled = CompiledPatternSet.Compile(Accelerated, artifact: other);

        Assert.False(compiled.LoadedFromArtifact);
        Assert.Equal(ScanAccelerator.Hyperscan, compiled.Accelerator);
        Assert.Contains("PILLS", compiled.Scan(Encoding.UTF8.GetBytes(AcceleratedMails[0])).Hits.Select(hit => hit.RuleId));
    }

    [Fact]
    public void An_artifact_of_another_set_or_engine_build_is_ignored()
    {
        var other = CompiledSetArtifact.Create(Of(Body("OTHER", "other", 1)));
        var json = Encoding.UTF8.GetString(CompiledSetArtifact.Create(Small).ToUtf8Json());
        var otherEngine = CompiledSetArtifact.Parse(Encoding.UTF8.GetBytes(json.Replace(CompiledSetArtifact.CurrentEngine, "0123456789abcdef0123456789abcdef", StringComparison.Ordinal)));

        Assert.False(CompiledPatternSet.Compile(Small, artifact: other).LoadedFromArtifact);
        Assert.False(CompiledPatternSet.Compile(Small, artifact: otherEngine).LoadedFromArtifact);
        Assert.True(CompiledPatternSet.Compile(Small, artifact: CompiledSetArtifact.Create(Small)).LoadedFromArtifact);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("{\"format\":3,\"setDigest\":\"a\",\"engine\":\"b\",\"plans\":[]}")]
    [InlineData("{\"format\":2,\"setDigest\":\"a\",\"engine\":\"b\",\"plans\":[{\"class\":\"linear\"}]}")]
    [InlineData("{\"format\":2,\"setDigest\":\"a\",\"engine\":\"b\",\"plans\":[{\"pattern\":\"x\",\"class\":\"fast\"}]}")]
    [InlineData("{\"format\":2,\"setDigest\":\"a\",\"engine\":\"b\",\"plans\":[],\"hyperscan\":{\"version\":\"5\",\"targets\":[{\"target\":\"t\",\"patterns\":[\"x\"],\"uses\":[],\"served\":[true],\"database\":\"\"}]}}")]
    public void A_document_that_is_not_an_artifact_is_refused(string json)
    {
        Assert.Throws<FormatException>(() => CompiledSetArtifact.Parse(Encoding.UTF8.GetBytes(json)));
    }

    [SpamAssassinCorpusFact]
    public void The_imported_set_from_its_artifact_gives_the_same_hits_on_the_corpus_sample()
    {
        // Budgets no loaded test machine reaches, so a deadline hit in one of the two scans cannot pass for a difference.
        var generous = new ScannerOptions { Deadline = TimeSpan.FromMinutes(5), BacktrackingTimeout = TimeSpan.FromSeconds(30) };
        var artifact = CompiledSetArtifact.Parse(CompiledSetArtifact.Create(corpus.Set).ToUtf8Json());
        var analysed = CompiledPatternSet.Compile(corpus.Set, generous);
        var loaded = CompiledPatternSet.Compile(corpus.Set, generous, artifact);

        Assert.True(loaded.LoadedFromArtifact);
        Assert.Equal(analysed.Classes, loaded.Classes);
        foreach (var (file, bytes) in corpus.Messages)
        {
            var expected = analysed.Scan(bytes);
            var actual = loaded.Scan(bytes);
            Assert.True(
                expected.Hits.Select(hit => hit.RuleId).SequenceEqual(actual.Hits.Select(hit => hit.RuleId)) && expected.Score == actual.Score,
                $"{file}: {string.Join(",", expected.Hits.Select(h => h.RuleId))} vs {string.Join(",", actual.Hits.Select(h => h.RuleId))}");
        }
    }
}
