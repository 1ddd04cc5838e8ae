using System.Globalization;

namespace Prefilter.Engine.SpamAssassin;

/// <summary>
/// The SpamAssassin this importer reads rules as: version 4.0.1 on Perl 5.36, local tests only, with only the plugins
/// whose rules this engine runs. <c>if</c> and <c>ifplugin</c> blocks are decided against these facts.
/// </summary>
/// <remarks>
/// A plugin counts as present when this engine implements what it does, or the part of it that carries score: the core
/// regex rules (<c>Mail::SpamAssassin::Plugin::Check</c>), <c>ReplaceTags</c>, <c>HeaderEval</c> and <c>FreeMail</c>
/// (its <c>freemail_domains</c> become the set's), whose <c>eval:</c> tests with a built-in check (<c>BuiltInChecks</c>)
/// import as check rules while their others are skipped as needing Perl. Every other plugin — the eval plugins
/// (BodyEval, MIMEEval, HTMLEval, URIEval, RelayEval, WLBLEval), network plugins (DNSEval, URIDNSBL, SPF,
/// DKIM, DMARC, AskDNS, HashBL, Razor2, Pyzor, DCC), Bayes, MIMEHeader, ImageInfo, PDFInfo, TextCat, VBounce
/// and the rest — is absent, which makes SpamAssassin's own fallbacks (<c>if !plugin(…)</c> blocks) apply.
/// <c>loadplugin</c> lines and <c>.pre</c> files do not change this: what runs is decided by this engine.
/// </remarks>
internal static class EmulatedSpamAssassin
{
    /// <summary>Mail::SpamAssassin::VERSION of 4.0.1.</summary>
    public const string Version = "4.000001";

    /// <summary>Perl 5.36, as on Debian 12.</summary>
    public const double PerlVersion = 5.036;

    /// <summary>SpamAssassin's default language; <c>lang xx</c> lines for other languages are skipped.</summary>
    public const string Language = "en_US";

    private static readonly HashSet<string> PresentPlugins = new(StringComparer.Ordinal)
    {
        "Mail::SpamAssassin::Plugin::Check",
        "Mail::SpamAssassin::Plugin::ReplaceTags",
        "Mail::SpamAssassin::Plugin::HeaderEval",
        "Mail::SpamAssassin::Plugin::FreeMail",
    };

    // Mail::SpamAssassin::Conf of 4.0.1: the feature_* / has_* subs that "if can(...)" asks for; all return true.
    private static readonly HashSet<string> ConfFeatures = new(StringComparer.Ordinal)
    {
        "feature_originating_ip_headers", "feature_dns_local_ports_permit_avoid", "feature_bayes_auto_learn_on_error",
        "feature_uri_host_listed", "feature_yesno_takes_args", "feature_bug6558_free", "feature_edns",
        "feature_dns_query_restriction", "feature_registryboundaries", "feature_geodb", "feature_dns_block_rule",
        "feature_compile_regexp", "feature_meta_rules_matching", "feature_subjprefix", "feature_bayes_stopwords",
        "feature_get_host", "feature_blocklist_welcomelist", "feature_welcomelist_blocklist",
        "feature_header_address_parser", "feature_local_tests_only", "feature_header_first_last",
        "feature_header_match_many", "feature_capture_rules", "has_tflags_nosubject", "has_tflags_nolog",
        "perl_min_version_5010000",
    };

    /// <summary>Whether <c>plugin(name)</c> is true.</summary>
    public static bool HasPlugin(string name) => PresentPlugins.Contains(CanonicalPluginName(name));

    /// <summary>Whether <c>can(Module::method)</c> / <c>has(Module::method)</c> is true.</summary>
    public static bool Can(string method)
    {
        var split = method.LastIndexOf("::", StringComparison.Ordinal);
        if (split < 0)
        {
            return false;
        }

        var module = method[..split];
        var name = method[(split + 2)..];
        return module == "Mail::SpamAssassin::Conf" && ConfFeatures.Contains(name);
    }

    /// <summary>Evaluates an <c>if</c> condition (or <c>ifplugin X</c> as <c>plugin(X)</c>).</summary>
    /// <exception cref="FormatException">When the condition cannot be evaluated.</exception>
    public static bool Condition(string text)
    {
        var tokens = PerlExpression.Tokenize(text);
        var value = PerlExpression.Evaluate(
            tokens,
            word => word switch
            {
                "version" => double.Parse(Version, CultureInfo.InvariantCulture),
                "perl_version" => PerlVersion,
                "local_tests_only" => 1,
                _ => null,
            },
            (function, argument) => function switch
            {
                "plugin" => HasPlugin(argument) ? 1 : 0,
                "can" or "has" => Can(argument) ? 1 : 0,
                _ => throw new FormatException($"unknown function '{function}'"),
            });
        return value != 0;
    }

    // Conf::Parser renames these two before asking.
    private static string CanonicalPluginName(string name) => name switch
    {
        "Mail::SpamAssassin::Plugin::Dmarc" => "Mail::SpamAssassin::Plugin::DMARC",
        "Mail::SpamAssassin::Plugin::WhiteListSubject" => "Mail::SpamAssassin::Plugin::WelcomeListSubject",
        _ => name,
    };
}
