using Prefilter.Engine.Linting;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.SpamAssassin;

namespace Prefilter.Engine.Tests.SpamAssassin;

public class SpamAssassinImporterTests
{
    private static ImportResult Import(params (string Name, string Text)[] files) =>
        new SpamAssassinImporter().Import(files.Select(f => (f.Name, (TextReader)new StringReader(f.Text))));

    private static ImportResult Import(string text) => Import(("50_rules.cf", text));

    private static Rule RuleOf(ImportResult result, string id) => Assert.Single(result.Set.Rules, r => r.Id == id);

    private static SkippedRule SkipOf(ImportResult result, string id) => Assert.Single(result.Skipped, s => s.RuleId == id);

    [Fact]
    public void Imports_each_regex_kind_with_its_description_score_and_flags()
    {
        var result = Import("""
            body     B1  /cheap meds/i
            describe B1  Cheap meds offered
            score    B1  2.5
            tflags   B1  multiple maxhits=3
            rawbody  R1  m{<font\s}i
            uri      U1  m!^https?://bit\.ly/!
            full     F1  /^X-Bogus: /m
            header   H1  Subject =~ /viagra/i
            """);

        var b1 = RuleOf(result, "B1");
        Assert.Equal(RuleKind.Body, b1.Kind);
        Assert.Equal("(?i)cheap meds", b1.Pattern);
        Assert.Equal("Cheap meds offered", b1.Description);
        Assert.Equal(2.5, b1.Score);
        Assert.Equal(["multiple", "maxhits=3"], b1.Flags);
        Assert.Equal(RuleKind.RawBody, RuleOf(result, "R1").Kind);
        Assert.Equal(@"(?i)<font[\t\n\x0B\f\r ]", RuleOf(result, "R1").Pattern);
        Assert.Equal("^https?://bit\\.ly/", RuleOf(result, "U1").Pattern);
        Assert.Equal(RuleKind.Full, RuleOf(result, "F1").Kind);
        Assert.Equal("(?m)^X-Bogus: ", RuleOf(result, "F1").Pattern);
        Assert.Equal("Subject", RuleOf(result, "H1").Header);
        Assert.Equal(["B1", "R1", "U1", "F1", "H1"], result.Set.Rules.Select(r => r.Id));
    }

    [Fact]
    public void Reads_header_forms()
    {
        var result = Import("""
            header H_ADDR  From:addr =~ /\@example\.com$/
            header H_NAME  From:name =~ /^Bank$/
            header H_NEG   Message-Id !~ /\@/ [if-unset: none]
            header H_ALL   ALL =~ /^X-Spam: yes/m
            header H_EX    exists:X-Mailer
            header H_COLON exists:X-Priority:
            header H_RAW   Subject:raw =~ /=\?UTF-8\?B\?/i
            header H_ALLRAW ALL:raw =~ /^(?:Subject|From):\S/ism
            header H_RAWBYTES Subject:raw =~ /caf\xc3\xa9/
            header H_BYTES Subject =~ /caf\xc3\xa9/
            """);

        Assert.Equal("From:addr", RuleOf(result, "H_ADDR").Header);
        Assert.Equal("From:name", RuleOf(result, "H_NAME").Header);
        var negated = RuleOf(result, "H_NEG");
        Assert.True(negated.Negate);
        Assert.Equal("none", negated.IfUnset);
        Assert.Equal("@", negated.Pattern);
        Assert.Equal("ALL", RuleOf(result, "H_ALL").Header);
        Assert.Equal("exists:X-Mailer", RuleOf(result, "H_EX").Header);
        Assert.Null(RuleOf(result, "H_EX").Pattern);
        Assert.Equal("exists:X-Priority", RuleOf(result, "H_COLON").Header);
        Assert.Equal("Subject:raw", RuleOf(result, "H_RAW").Header);
        Assert.Equal("ALL:raw", RuleOf(result, "H_ALLRAW").Header);

        // A raw value keeps the bytes (one Latin-1 character each), so SpamAssassin's UTF-8 byte sequence stays as
        // it is; a decoded value holds the character, which the sequence is rewritten to.
        Assert.Matches(RuleOf(result, "H_RAWBYTES").Pattern!, "caf\u00C3\u00A9");
        Assert.DoesNotMatch(RuleOf(result, "H_RAWBYTES").Pattern!, "café");
        Assert.Matches(RuleOf(result, "H_BYTES").Pattern!, "café");
    }

    [Fact]
    public void Pseudo_headers_that_join_several_headers_become_a_meta_over_one_rule_per_header()
    {
        var result = Import("""
            header MSGID_HEX  MESSAGEID =~ /^<[0-9a-f]+\@/
            describe MSGID_HEX Message-Id is hex
            score MSGID_HEX   1.5
            header NOT_TOCC   ToCc !~ /example/
            header EX_TOCC    exists:ToCc
            header ADDR_TOCC  ToCc:addr =~ /\@x\.com$/
            """);

        var msgid = RuleOf(result, "MSGID_HEX");
        Assert.Equal(RuleKind.Meta, msgid.Kind);
        Assert.Equal(1.5, msgid.Score);
        Assert.Equal("Message-Id is hex", msgid.Description);
        Assert.Equal(
            "MSGID_HEX__X_Message_Id || MSGID_HEX__Resent_Message_Id || MSGID_HEX__X_Original_Message_ID || MSGID_HEX__Message_Id",
            msgid.Expression);
        var part = RuleOf(result, "MSGID_HEX__Message_Id");
        Assert.Equal(("Message-Id", "^<[0-9a-f]+@", 0.0, RuleKind.Header), (part.Header, part.Pattern, part.Score, part.Kind));
        Assert.Equal("!(NOT_TOCC__To || NOT_TOCC__Cc)", RuleOf(result, "NOT_TOCC").Expression);
        Assert.False(RuleOf(result, "NOT_TOCC__Cc").Negate);
        Assert.Equal("exists:Cc", RuleOf(result, "EX_TOCC__Cc").Header);
        Assert.Equal("To:addr", RuleOf(result, "ADDR_TOCC__To").Header);
        Assert.Equal(
            ["MSGID_HEX__X_Message_Id", "MSGID_HEX__Resent_Message_Id", "MSGID_HEX__X_Original_Message_ID", "MSGID_HEX__Message_Id", "MSGID_HEX"],
            result.Set.Rules.Take(5).Select(r => r.Id));
    }

    [Theory]
    [InlineData("header X1 eval:check_for_fake_aol_relay_in_rcvd()", SkipCategory.NeedsPerlCode, "needs Perl code (eval:check_for_fake_aol_relay_in_rcvd())")]
    [InlineData("body X1 eval:check_stock_info('4')", SkipCategory.NeedsPerlCode, "needs Perl code (eval:check_stock_info('4'))")]
    [InlineData("header X1 rbleval:check_rbl('a','b')", SkipCategory.NeedsPerlCode, "needs Perl code (eval:check_rbl('a','b'))")]
    [InlineData("body X1 /a\\Kb/", SkipCategory.UnsupportedRegex, "unsupported regex feature: \\K (keep) at offset 1")]
    [InlineData("body X1 /a(?<n>b)\\g{n}(?&n)/", SkipCategory.UnsupportedRegex, "recursion or subroutine call")]
    [InlineData("body X1 /\\1/", SkipCategory.UnsupportedRegex, "does not construct in .NET")]
    [InlineData("body X1 /(x)\\1(?:a|aa)+c/", SkipCategory.RefusedByEngine, "the engine refuses it: ")]
    [InlineData("body X1 foo", SkipCategory.InvalidRegex, "invalid regex: missing regexp delimiters")]
    [InlineData("body X1 /\\Qa.b\\E/", SkipCategory.InvalidRegex, "\\Q is not a regex escape")]
    [InlineData("header X1 ALL-UNTRUSTED =~ /x/", SkipCategory.UnsupportedHeader, "trust path")]
    [InlineData("header X1 ToCc =~ /x/ [if-unset: y]", SkipCategory.UnsupportedHeader, "cannot be split into its headers")]
    [InlineData("header X1 From:name:raw =~ /x/", SkipCategory.UnsupportedHeader, "header modifier :name:raw")]
    [InlineData("header X1 From:addr:first =~ /x/", SkipCategory.UnsupportedHeader, "header modifier :addr:first")]
    [InlineData("header X1 From:bogus =~ /x/", SkipCategory.InvalidRule, "invalid header modifier")]
    [InlineData("header X1 Subject /x/", SkipCategory.InvalidRule, "invalid header test")]
    [InlineData("body X1 /%{GB_TO_ADDR}/", SkipCategory.CapturedTags, "%{GB_TO_ADDR}")]
    [InlineData("body 1X /x/", SkipCategory.InvalidRule, "invalid characters")]
    [InlineData("meta X1 A ** 2", SkipCategory.InvalidMeta, "'**'")]
    [InlineData("meta X1 A && && B", SkipCategory.InvalidMeta, "invalid meta expression")]
    [InlineData("meta X1 $x", SkipCategory.InvalidMeta, "refuses")]
    [InlineData("meta X1 A / 0", SkipCategory.InvalidMeta, "division by zero possible")]
    public void Skips_with_a_reason(string line, SkipCategory category, string reasonPart)
    {
        var result = Import("# a rule that cannot be imported\n" + line);

        var skipped = Assert.Single(result.Skipped);
        Assert.Equal(category, skipped.Category);
        Assert.Contains(reasonPart, skipped.Reason, StringComparison.Ordinal);
        Assert.Equal("50_rules.cf", skipped.File);
        Assert.Equal(2, skipped.Line);
        Assert.Empty(result.Set.Rules);
        Assert.Equal(1, result.SkippedByReason[SkipCategories.Name(category)]);
    }

    [Fact]
    public void Decides_ifplugin_and_if_blocks_with_nesting_and_else()
    {
        var result = Import("""
            ifplugin Mail::SpamAssassin::Plugin::ReplaceTags
              body IN_REPLACETAGS /a/
              ifplugin Mail::SpamAssassin::Plugin::BodyEval
                body IN_BODYEVAL_INSIDE /b/
              else
                body IN_ELSE_OF_NESTED /c/
              endif
            endif
            ifplugin Mail::SpamAssassin::Plugin::HTMLEval
              body IN_HEADEREVAL /d/
              if (version >= 3.004000)
                body IN_SKIPPED_OUTER /e/
              else
                body IN_ELSE_OF_SKIPPED_OUTER /f/
              endif
            endif
            if !plugin(Mail::SpamAssassin::Plugin::MIMEHeader)
              body IN_NOT_MIMEHEADER /g/
            endif
            if (version >= 4.000000) && can(Mail::SpamAssassin::Conf::feature_bug6558_free)
              body IN_VERSION_AND_CAN /h/
            endif
            if can(Mail::SpamAssassin::Plugin::BodyEval::has_check_body_length)
              body IN_UNKNOWN_CAN /i/
            endif
            if (version < 4.000000)
              body IN_OLD_VERSION /j/
            endif
            """);

        Assert.Equal(
            ["IN_REPLACETAGS", "IN_ELSE_OF_NESTED", "IN_NOT_MIMEHEADER", "IN_VERSION_AND_CAN"],
            result.Set.Rules.Select(r => r.Id));
    }

    [Fact]
    public void Eval_tests_with_a_built_in_check_import_as_check_rules_and_the_others_are_skipped()
    {
        var result = Import("""
            ifplugin Mail::SpamAssassin::Plugin::HeaderEval
              header DATE_IN_PAST_03_06 eval:check_for_shifted_date('-6', '-3')
              header DATE_IN_PAST_96_XX eval:check_for_shifted_date('undef', '-96')
              header HEADER_COUNT_SUBJECT eval:check_header_count_range('Subject','2','999')
              header BAD_ARGS eval:check_for_shifted_date('soon', '-3')
              header FORGED_HOTMAIL_RCVD eval:check_for_forged_hotmail_received_headers()
              meta DATED_AND_COUNTED DATE_IN_PAST_03_06 && HEADER_COUNT_SUBJECT
            endif
            """);

        var rules = result.Set.Rules.ToDictionary(rule => rule.Id);
        Assert.Equal(["DATE_IN_PAST_03_06", "DATE_IN_PAST_96_XX", "HEADER_COUNT_SUBJECT", "DATED_AND_COUNTED"], result.Set.Rules.Select(rule => rule.Id));
        Assert.Equal((RuleKind.Check, "shifted_date"), (rules["DATE_IN_PAST_03_06"].Kind, rules["DATE_IN_PAST_03_06"].Check));
        Assert.Equal([CheckArgument.FromNumber(-6), CheckArgument.FromNumber(-3)], rules["DATE_IN_PAST_03_06"].Args);
        Assert.Equal([CheckArgument.Null, CheckArgument.FromNumber(-96)], rules["DATE_IN_PAST_96_XX"].Args);
        Assert.Equal([CheckArgument.FromString("Subject"), CheckArgument.FromNumber(2), CheckArgument.FromNumber(999)], rules["HEADER_COUNT_SUBJECT"].Args);
        Assert.Equal("DATE_IN_PAST_03_06 && HEADER_COUNT_SUBJECT", rules["DATED_AND_COUNTED"].Expression);
        Assert.Contains(result.Skipped, skip => skip.RuleId == "BAD_ARGS" && skip.Reason.Contains("does not fit the built-in check shifted_date(minHours, maxHours)", StringComparison.Ordinal));
        Assert.Contains(result.Skipped, skip => skip.RuleId == "FORGED_HOTMAIL_RCVD" && skip.Category == SkipCategory.NeedsPerlCode);
        Assert.True(PatternSetLinter.Lint(result.Set).IsValid);
    }

    [Fact]
    public void Freemail_domains_become_the_sets_and_its_header_checks_import()
    {
        var result = Import("""
            ifplugin Mail::SpamAssassin::Plugin::FreeMail
              freemail_domains gmail.com GMAIL.com yahoo.* bad_domain
              header FREEMAIL_FROM eval:check_freemail_from()
              header FREEMAIL_ENVFROM_END_DIGIT eval:check_freemail_header('EnvelopeFrom', '\d@')
              header __freemail_replyto eval:check_freemail_replyto('replyto')
            endif
            """);

        Assert.Equal(["gmail.com", "yahoo.*"], result.Set.FreemailDomains);
        Assert.Contains(result.Notes, note => note.Message.Contains("'bad_domain'", StringComparison.Ordinal));
        Assert.Equal([CheckArgument.FromString("EnvelopeFrom"), CheckArgument.FromString("[0-9]@")], RuleOf(result, "FREEMAIL_ENVFROM_END_DIGIT").Args);
        Assert.Equal("freemail_from", RuleOf(result, "FREEMAIL_FROM").Check);
        Assert.Equal(SkipCategory.NeedsPerlCode, SkipOf(result, "__freemail_replyto").Category);
    }

    [Fact]
    public void Conditions_do_not_carry_over_to_the_next_file()
    {
        var result = Import(
            ("10_a.cf", "ifplugin Mail::SpamAssassin::Plugin::DNSEval\nbody A1 /a/\n"),
            ("20_b.cf", "body B1 /b/\n"));

        Assert.Equal(["B1"], result.Set.Rules.Select(r => r.Id));
        Assert.Contains(result.Notes, n => n.File == "10_a.cf" && n.Line == 1 && n.Message.Contains("unclosed", StringComparison.Ordinal));
    }

    [Fact]
    public void Reads_files_in_lexical_order_and_later_definitions_win()
    {
        var result = Import(
            ("50_scores.cf", "score R1 3.0\ndescribe R1 Second\n"),
            ("20_rules.cf", "body R1 /first/\ndescribe R1 First\nscore R1 1.5\nbody R2 /two/\n"),
            ("72_override.cf", "header R1 Subject =~ /third/\ntflags R1 nice\n"));

        Assert.Equal(["20_rules.cf", "50_scores.cf", "72_override.cf"], result.Files);
        var r1 = RuleOf(result, "R1");
        Assert.Equal(RuleKind.Header, r1.Kind);
        Assert.Equal("third", r1.Pattern);
        Assert.Equal(3.0, r1.Score);
        Assert.Equal("Second", r1.Description);
        Assert.Equal(["nice"], r1.Flags);
        Assert.Equal(["R1", "R2"], result.Set.Rules.Select(r => r.Id));
    }

    [Fact]
    public void Uses_score_set_0_defaults_and_relative_scores()
    {
        var result = Import("""
            body FOUR     /a/
            score FOUR    1.2 0.8 2.0 3.0
            body DEFAULT  /b/
            body T_TEST   /c/
            body NICE     /d/
            tflags NICE   nice
            body RELATIVE /e/
            score RELATIVE 1.0
            score RELATIVE (0.5)
            body __SUB    /f/
            score __SUB   4.0
            """);

        Assert.Equal(1.2, RuleOf(result, "FOUR").Score);
        Assert.Equal(1.0, RuleOf(result, "DEFAULT").Score);
        Assert.Equal(0.01, RuleOf(result, "T_TEST").Score);
        Assert.Equal(-1.0, RuleOf(result, "NICE").Score);
        Assert.Equal(1.5, RuleOf(result, "RELATIVE").Score);
        Assert.Equal(0, RuleOf(result, "__SUB").Score);
    }

    [Fact]
    public void Rules_scored_0_in_score_set_0_do_not_run_and_metas_see_0_for_them()
    {
        var result = Import("""
            body NET_ONLY  /a/
            score NET_ONLY 0 1.5 0 1.5
            body __OFF     /b/
            score __OFF    0
            body __ON      /c/
            meta M1        __ON && (NET_ONLY || __OFF)
            """);

        Assert.Equal(SkipCategory.DisabledByScore, SkipOf(result, "NET_ONLY").Category);
        Assert.Equal(SkipCategory.DisabledByScore, SkipOf(result, "__OFF").Category);
        Assert.Equal("__ON && (0 || 0)", RuleOf(result, "M1").Expression);
        var note = Assert.Single(result.Notes, n => n.RuleId == "M1");
        Assert.Contains("NET_ONLY (disabled-by-score)", note.Message, StringComparison.Ordinal);
        Assert.Contains("__OFF (disabled-by-score)", note.Message, StringComparison.Ordinal);
        Assert.Equal(6, note.Line);
    }

    [Fact]
    public void Metas_keep_their_expression_and_replace_skipped_or_undefined_references_by_0()
    {
        var result = Import("""
            body  __A  /a/
            header __B eval:check_something()
            meta  M1   (__A + __B + __NEVER_DEFINED >= 2) || !__A
            meta  M2   __A && local_tests_only
            meta  M3   ( )
            meta  M4   (__A * 14) / 10 > 1 - __A
            """);

        Assert.Equal("(__A + 0 + 0 >= 2) || !__A", RuleOf(result, "M1").Expression);
        Assert.Equal("__A && 1", RuleOf(result, "M2").Expression);
        Assert.Equal("0", RuleOf(result, "M3").Expression);
        Assert.Equal("(__A * 14) / 10 > 1 - __A", RuleOf(result, "M4").Expression);
        var note = Assert.Single(result.Notes, n => n.RuleId == "M1");
        Assert.Contains("__B (needs-perl-code)", note.Message, StringComparison.Ordinal);
        Assert.Contains("__NEVER_DEFINED (not defined)", note.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Notes, n => n.RuleId is "M2" or "M4");
    }

    [Fact]
    public void Metas_in_a_dependency_cycle_are_excluded_like_spamassassin_does()
    {
        var result = Import("""
            body __A /a/
            meta C1  __A && C2
            meta C2  C1 || __A
            meta ON_CYCLE C1
            meta FINE __A
            """);

        Assert.Equal(SkipCategory.MetaCycle, SkipOf(result, "C1").Category);
        Assert.Equal(SkipCategory.MetaCycle, SkipOf(result, "C2").Category);
        Assert.Equal(SkipCategory.MetaCycle, SkipOf(result, "ON_CYCLE").Category);
        Assert.Equal("__A", RuleOf(result, "FINE").Expression);
    }

    [Fact]
    public void Expands_replace_rules_after_all_files_are_read()
    {
        var result = Import(
            ("20_rules.cf", """
                body FUZZY_X  /<inter W1>(?!cat)<C><A><T>/i
                replace_rules FUZZY_X
                body PLAIN    /<C>/
                """),
            ("25_replace.cf", """
                ifplugin Mail::SpamAssassin::Plugin::ReplaceTags
                replace_tag   C  [ck]
                replace_tag   A  (?:a|4|\@)
                replace_tag   T  [t7]
                replace_inter W1 [\s.]?
                endif
                """));

        Assert.Equal(["FUZZY_X"], result.ExpandedRules);
        Assert.Equal(@"(?i)(?!cat)[ck][\t\n\x0B\f\r .]?(?:a|4|@)[\t\n\x0B\f\r .]?[t7]", RuleOf(result, "FUZZY_X").Pattern);
        Assert.Equal("<C>", RuleOf(result, "PLAIN").Pattern);
    }

    [Fact]
    public void Honours_comments_escaped_hashes_lang_and_require_version()
    {
        var result = Import(
            ("10_a.cf", """
                body  HASH  /a\#b/   # trailing comment
                lang de body GERMAN /nur deutsch/
                lang en body ENGLISH /english/
                require_version @@VERSION@@
                body  AFTER /c/
                """),
            ("20_b.cf", """
                require_version 3.003000
                body  NOT_FOR_THIS_VERSION /d/
                """));

        Assert.Equal("a#b", RuleOf(result, "HASH").Pattern);
        Assert.Equal(["HASH", "ENGLISH", "AFTER"], result.Set.Rules.Select(r => r.Id));
        Assert.Contains(result.Notes, n => n.File == "20_b.cf" && n.Message.Contains("requires SpamAssassin 3.003000", StringComparison.Ordinal));
    }

    [Fact]
    public void Set_metadata_is_deterministic_and_takes_required_score()
    {
        const string text = "required_score 6.5\nbody A /a/\n";
        var first = Import(("10_a.cf", text));
        var second = Import(("10_a.cf", text));
        var other = Import(("10_a.cf", text + "body B /b/\n"));

        Assert.Equal("spamassassin", first.Set.Name);
        Assert.Equal(first.Set.Version, second.Set.Version);
        Assert.NotEqual(first.Set.Version, other.Set.Version);
        Assert.Equal(DateTimeOffset.UnixEpoch, first.Set.Created);
        Assert.Equal(new Thresholds(6.5, 10.0), first.Set.Thresholds);
        Assert.Contains("10_a.cf", first.Set.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_and_update_version_name_the_set()
    {
        var created = new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);
        var importer = new SpamAssassinImporter(new SpamAssassinImportOptions { Created = created, QuarantineScore = 12 });

        var result = importer.Import([("72_active.cf", new StringReader("# UPDATE version 1912345\nbody A /a/\n"))]);

        Assert.Equal("spamassassin-1912345", result.Set.Name);
        Assert.Equal("1912345", result.Set.Version);
        Assert.Equal(created, result.Set.Created);
        Assert.Equal(12, result.Set.Thresholds.Quarantine);
    }

    [Fact]
    public void Reads_directories_in_the_order_given_like_default_then_site_rules()
    {
        var root = Directory.CreateTempSubdirectory("sa-import-");
        try
        {
            var defaults = Directory.CreateDirectory(Path.Combine(root.FullName, "share"));
            var site = Directory.CreateDirectory(Path.Combine(root.FullName, "etc"));
            File.WriteAllText(Path.Combine(defaults.FullName, "50_scores.cf"), "body R1 /a/\nscore R1 2.0\n");
            File.WriteAllText(Path.Combine(defaults.FullName, "local.cf"), "score R1 3.0\n");
            File.WriteAllText(Path.Combine(site.FullName, "local.cf"), "score R1 4.0\nbody R2 /b/\n");

            var result = new SpamAssassinImporter().ImportPaths([defaults.FullName, site.FullName]);

            Assert.Equal(["50_scores.cf", Path.Combine(defaults.FullName, "local.cf"), Path.Combine(site.FullName, "local.cf")], result.Files);
            Assert.Equal(4.0, RuleOf(result, "R1").Score);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void Refuses_empty_input_and_duplicate_file_names()
    {
        var importer = new SpamAssassinImporter();

        Assert.Throws<ArgumentException>(() => importer.Import([]));
        Assert.Throws<ArgumentException>(() => importer.Import([("a.cf", new StringReader("")), ("a.cf", new StringReader(""))]));
        Assert.Throws<FileNotFoundException>(() => importer.ImportPaths(["/nonexistent/spamassassin/rules"]));
    }

    [Fact]
    public void Reads_rule_files_from_a_directory_as_octets()
    {
        var directory = Directory.CreateTempSubdirectory("sa-import-");
        try
        {
            // A Latin-1 byte in a pattern stays one character, as SpamAssassin sees it.
            File.WriteAllBytes(Path.Combine(directory.FullName, "20_latin1.cf"), [.. "body L1 /caf"u8, 0xE9, .. "/\n"u8]);
            File.WriteAllText(Path.Combine(directory.FullName, "10_first.cf"), "body F1 /first/\n");
            File.WriteAllText(Path.Combine(directory.FullName, "notes.txt"), "body IGNORED /x/\n");
            var stamp = new DateTime(2025, 2, 7, 21, 13, 8, DateTimeKind.Utc);
            foreach (var file in directory.GetFiles())
            {
                file.LastWriteTimeUtc = stamp;
            }

            var result = new SpamAssassinImporter().ImportPaths([directory.FullName]);

            Assert.Equal(["10_first.cf", "20_latin1.cf"], result.Files);
            Assert.Equal("caf\u00E9", RuleOf(result, "L1").Pattern);
            Assert.Equal(new DateTimeOffset(stamp), result.Set.Created);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
