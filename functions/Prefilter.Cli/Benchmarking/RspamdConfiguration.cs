namespace Prefilter.Cli.Benchmarking;

/// <summary>
/// The configuration folder of the Rspamd a bench starts: the installed configuration's rules, scores and local
/// modules, no Bayes, every module that would query DNS, Redis or another server switched off, maps read from the
/// installed files only, and one normal worker on a loopback port. Nothing it checks leaves the machine.
/// </summary>
/// <remarks>
/// Rspamd is started with <c>LOCAL_CONFDIR</c> set to this folder, so the installed modules read their site
/// overrides (<c>override.d/{module}.conf</c>) from here; <c>CONFDIR</c> stays the installed configuration.
/// </remarks>
internal static class RspamdConfiguration
{
    /// <summary>The top-level file, passed to <c>rspamd --config</c>.</summary>
    public const string FileName = "rspamd.conf";

    /// <summary>Rspamd's log in the folder: the bench reads when the worker is ready and how many DNS requests tasks made.</summary>
    public const string LogFileName = "rspamd.log";

    // The installed common.conf without statistic.conf, whose Bayes classifier needs Redis. Logging at info because
    // the worker says at info when it has loaded the Hyperscan database the bench waits for.
    private const string TopLevel = $$"""
        lua = "$RULESDIR/rspamd.lua";
        .include "$CONFDIR/metrics.conf"
        .include "$CONFDIR/actions.conf"
        .include "$CONFDIR/groups.conf"
        .include "$CONFDIR/composites.conf"
        .include "$CONFDIR/modules.conf"
        .include "$CONFDIR/settings.conf"
        modules {
          path = "${PLUGINSDIR}";
        }
        options {
          pidfile = "$RUNDIR/rspamd.pid";
          .include "$CONFDIR/options.inc"
          .include(priority=10) "$LOCAL_CONFDIR/override.d/options.inc"
        }
        logging {
          type = "file";
          filename = "$LOCAL_CONFDIR/{{LogFileName}}";
          level = "info";
        }

        """;

    // A query a module still made would go to a loopback port nothing answers, not to the machine's resolver, and
    // time out at once, so that the bench sees it (RspamdCheck refuses the run) after a batch, not after hours.
    private const string Options = """
        dns {
          nameserver = ["127.0.0.1:1"];
          timeout = 0.1s;
          retransmits = 1;
        }

        """;

    // Modules that look things up elsewhere: DNS (arc, asn, dkim, dmarc, hfilter, mx_check, once_received, rbl, spf,
    // phishing's PhishTank), Redis (greylist, history_redis, neural, ratelimit, replies, reputation, spamtrap,
    // url_redirector), maps served over HTTPS (multimap's freemail lists, phishing, whitelist) or another server
    // (antivirus, aws_s3, bimi, clickhouse, dcc, elastic, external_services, fuzzy_check, metadata_exporter,
    // metric_exporter, p0f, rspamd_update).
    private static readonly string[] NetworkModules =
    [
        "antivirus", "arc", "asn", "aws_s3", "bimi", "clickhouse", "dcc", "dkim", "dmarc", "elastic", "external_services",
        "fuzzy_check", "greylist", "hfilter", "history_redis", "metadata_exporter", "metric_exporter", "multimap",
        "mx_check", "neural", "once_received", "p0f", "phishing", "ratelimit", "rbl", "replies", "reputation",
        "rspamd_update", "spamtrap", "spf", "url_redirector", "whitelist",
    ];

    // Modules that stay, whose maps list an HTTPS source first: the installed copy only.
    private static readonly Dictionary<string, string> LocalMaps = new()
    {
        ["mime_types"] = "file = \"${CONFDIR}/maps.d/mime_types.inc\";\n",
        ["mid"] = "source {\n  url = \"${CONFDIR}/maps.d/mid.inc\";\n}\n",
    };

    /// <summary>Writes the configuration into <paramref name="directory"/>.</summary>
    /// <param name="directory">An empty folder, passed to Rspamd as <c>LOCAL_CONFDIR</c>.</param>
    /// <param name="port">The loopback port the worker listens on.</param>
    public static void Write(string directory, int port)
    {
        File.WriteAllText(Path.Combine(directory, FileName), TopLevel + $$"""
            worker "normal" {
              bind_socket = "127.0.0.1:{{port}}";
              count = 1;
              .include "$CONFDIR/worker-normal.inc"
            }

            """);
        var overrides = Directory.CreateDirectory(Path.Combine(directory, "override.d")).FullName;
        File.WriteAllText(Path.Combine(overrides, "options.inc"), Options);
        foreach (var module in NetworkModules)
        {
            File.WriteAllText(Path.Combine(overrides, $"{module}.conf"), "enabled = false;\n");
        }

        foreach (var (module, map) in LocalMaps)
        {
            File.WriteAllText(Path.Combine(overrides, $"{module}.conf"), map);
        }
    }
}
