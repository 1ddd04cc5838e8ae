using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Tests.Browser;

/// <summary>The status page in headless Chromium on a local stack carrying mail, on a phone-sized viewport.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class StatusPageTests(LocalStackFixture fixture)
{
    private const int PhoneWidth = 360;

    [ChromiumFact]
    public async Task The_page_shows_the_release_and_the_charts_and_rolls_a_forced_canary_back()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var cancellationToken = timeout.Token;
        await CarryMailAsync();
        await using var browser = await Chromium.StartAsync(PhoneWidth, 800, cancellationToken);
        await browser.NavigateAsync(PageUrl(), cancellationToken);

        // The active version and its full digest, as GET /api/patterns names them.
        var active = (await StatusAsync()).GetProperty("state").GetProperty("active");
        await browser.WaitForAsync(
            $"document.querySelector('#sets tbody tr:first-child')?.textContent.includes({Js(active.GetProperty("version").GetString()!)})" +
            $" && document.querySelector('#sets tbody tr:first-child .digest')?.textContent === {Js(active.GetProperty("digest").GetString()!)}",
            cancellationToken);

        // The charts have data points once the scans' figures are flushed (every second in this stack): refresh until then.
        await RefreshUntilAsync(browser, "document.querySelectorAll('#chart-p99 circle[data-point]').length > 0", cancellationToken);
        Assert.True((await browser.EvaluateAsync("document.querySelectorAll('#chart-p99 details tbody tr').length", cancellationToken))!.GetValue<int>() > 0);
        Assert.True((await browser.EvaluateAsync("document.querySelectorAll('#chart-flagged circle[data-point]').length", cancellationToken))!.GetValue<int>() > 0);
        Assert.Equal(0, (await browser.EvaluateAsync("document.querySelectorAll('#load-error:not([hidden])').length", cancellationToken))!.GetValue<int>());

        // A forced canary appears with its stage.
        var canary = await PublishForcedCanaryAsync();
        await RefreshUntilAsync(browser, $"document.querySelector('#sets tbody tr:nth-child(2)')?.textContent.includes({Js(canary)})", cancellationToken);
        Assert.Contains("stage 1 of", (await browser.EvaluateAsync("document.getElementById('canary-stage').textContent", cancellationToken))!.GetValue<string>(), StringComparison.Ordinal);

        var state = (await StatusAsync()).GetProperty("state");
        var target = (state.TryGetProperty("lastKnownGood", out var good) && good.ValueKind == JsonValueKind.Object ? good : state.GetProperty("active")).GetProperty("version").GetString()!;

        // Rollback asks first; cancelling changes nothing.
        await browser.EvaluateAsync("document.getElementById('rollback').click()", cancellationToken);
        await browser.WaitForAsync("document.getElementById('confirm').open", cancellationToken);
        await browser.EvaluateAsync("document.getElementById('confirm-cancel').click()", cancellationToken);
        await browser.WaitForAsync("!document.getElementById('confirm').open", cancellationToken);
        Assert.Equal(canary, (await StatusAsync()).GetProperty("state").GetProperty("canary").GetProperty("set").GetProperty("version").GetString());

        // Confirmed: the canary stops, the result is announced, and the page shows only the active set serving.
        await browser.EvaluateAsync("document.getElementById('rollback').click()", cancellationToken);
        await browser.WaitForAsync("document.getElementById('confirm').open", cancellationToken);
        await browser.EvaluateAsync("document.getElementById('confirm-rollback').click()", cancellationToken);
        await browser.WaitForAsync(
            $"document.getElementById('rollback-result').textContent.includes('Rolled back') && document.querySelector('#sets tbody tr:nth-child(2) td').textContent === 'none'",
            cancellationToken);
        var after = (await StatusAsync()).GetProperty("state");
        Assert.Equal(JsonValueKind.Null, after.GetProperty("canary").ValueKind);
        Assert.Equal(target, after.GetProperty("active").GetProperty("version").GetString());
        Assert.Contains(target, (await browser.EvaluateAsync("document.querySelector('#sets tbody tr:first-child').textContent", cancellationToken))!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("polite", (await browser.EvaluateAsync("document.getElementById('rollback-result').getAttribute('aria-live')", cancellationToken))!.GetValue<string>());
        var history = (await browser.EvaluateAsync("document.querySelector('#history tbody tr:first-child').textContent", cancellationToken))!.GetValue<string>();
        Assert.Contains("rollback", history, StringComparison.Ordinal);
        Assert.Contains("rolled back from the status page", history, StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task The_page_is_usable_with_a_screen_reader_and_on_a_phone()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var cancellationToken = timeout.Token;
        await CarryMailAsync();
        await using var browser = await Chromium.StartAsync(PhoneWidth, 800, cancellationToken);
        await browser.NavigateAsync(PageUrl(), cancellationToken);
        await RefreshUntilAsync(browser, "document.querySelectorAll('#chart-p99 circle[data-point]').length > 0", cancellationToken);

        await browser.WaitForAsync(Loaded, cancellationToken);
        Assert.Empty(await AuditAsync(browser, cancellationToken));

        // The audit itself finds what it looks for: break the page in four ways and each is reported.
        await browser.EvaluateAsync(
            "document.querySelector('label[for=hours]').remove(); document.querySelector('main').prepend(document.createElement('h1'));" +
            "document.getElementById('main').append(Object.assign(document.createElement('div'), { textContent: 'x' })); document.querySelector('#main > div:last-child').style.width = '600px';" +
            "document.getElementById('updated').style.color = '#cccccc'; document.getElementById('updated').textContent = 'faint';",
            cancellationToken);
        var problems = await AuditAsync(browser, cancellationToken);
        Assert.Contains(problems, problem => problem.Contains("has no accessible name", StringComparison.Ordinal) && problem.Contains("hours", StringComparison.Ordinal));
        Assert.Contains("2 h1 elements", problems);
        Assert.Contains(problems, problem => problem.StartsWith("the page scrolls sideways", StringComparison.Ordinal));
        Assert.Contains(problems, problem => problem.StartsWith("contrast", StringComparison.Ordinal) && problem.Contains("faint", StringComparison.Ordinal));
    }

    private static async Task<List<string>> AuditAsync(Chromium browser, CancellationToken cancellationToken) =>
        (await browser.EvaluateAsync(AccessibilityAudit, cancellationToken))!.AsArray().Select(node => node!.GetValue<string>()).ToList();

    [ChromiumFact]
    public async Task A_page_opened_without_the_key_gets_401_and_no_page()
    {
        await using var browser = await Chromium.StartAsync(PhoneWidth, 800);
        await browser.NavigateAsync(new Uri(fixture.Stack.ApiUrl, "api/status"));
        Assert.Contains("valid key is required", (await browser.EvaluateAsync("document.body.textContent"))!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, (await browser.EvaluateAsync("document.querySelectorAll('h1').length"))!.GetValue<int>());
    }

    // What an automated checker such as axe can tell cheaply; each finding is one sentence.
    private const string AccessibilityAudit = """
        (() => {
          const problems = [];
          const text = (node) => (node?.textContent || '').trim();
          const name = (el) => {
            if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
            const by = el.getAttribute('aria-labelledby');
            if (by) return by.split(/\s+/).map((id) => text(document.getElementById(id))).join(' ').trim();
            if (el.id) { const label = document.querySelector(`label[for="${el.id}"]`); if (label) return text(label); }
            if (el.closest('label')) return text(el.closest('label'));
            return el.tagName === 'BUTTON' || el.tagName === 'SUMMARY' || el.tagName === 'A' ? text(el) : '';
          };
          if (!document.documentElement.lang) problems.push('the page has no lang');
          if (!document.title.trim()) problems.push('the page has no title');
          if (document.querySelectorAll('h1').length !== 1) problems.push(`${document.querySelectorAll('h1').length} h1 elements`);
          for (const landmark of ['header', 'main', 'footer']) if (document.querySelectorAll(`body > ${landmark}`).length !== 1) problems.push(`no single ${landmark} landmark`);
          let level = 1;
          for (const heading of document.querySelectorAll('main h2, main h3, main h4')) {
            const next = Number(heading.tagName[1]);
            if (next > level + 1) problems.push(`heading '${text(heading)}' skips from h${level} to h${next}`);
            level = next;
          }
          for (const control of document.querySelectorAll('button, select, input, textarea, a[href], summary'))
            if (!name(control)) problems.push(`${control.outerHTML.slice(0, 80)} has no accessible name`);
          for (const image of document.querySelectorAll('svg'))
            if (image.getAttribute('role') !== 'img' || !name(image)) problems.push(`an svg without role img and a name: ${image.closest('figure')?.id}`);
          for (const figure of document.querySelectorAll('figure'))
            if (!figure.querySelector('table')) problems.push(`chart ${figure.id} has no table alternative`);
          for (const table of document.querySelectorAll('table'))
            if (!text(table.querySelector('caption'))) problems.push('a table without a caption');
          for (const th of document.querySelectorAll('th'))
            if (!th.getAttribute('scope')) problems.push(`header cell '${text(th)}' has no scope`);
          if (!document.querySelector('[aria-live]#rollback-result')) problems.push('the rollback result is not a live region');
          const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
          for (const id of new Set(ids)) if (ids.filter((x) => x === id).length > 1) problems.push(`duplicate id ${id}`);
          for (const el of document.querySelectorAll('[tabindex]')) if (Number(el.getAttribute('tabindex')) > 0) problems.push(`positive tabindex on ${el.id}`);
          // Against the screen: a phone browser widens its layout viewport to fit content that is too wide.
          if (document.documentElement.scrollWidth > screen.width) problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px wide on a ${screen.width} px screen`);

          // Contrast of visible text against the first opaque background behind it (WCAG AA: 4.5:1, 3:1 for large text).
          const rgb = (color) => (color.match(/[\d.]+/g) || []).map(Number);
          const luminance = ([r, g, b]) => [r, g, b].map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
            .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
          const background = (el) => {
            for (let node = el; node; node = node.parentElement) {
              const color = rgb(getComputedStyle(node).backgroundColor);
              if (color.length === 3 || color[3] > 0) return color.slice(0, 3);
            }
            return [255, 255, 255];
          };
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const el = node.parentElement;
            if (!node.textContent.trim() || !el.getClientRects().length || el.closest('svg, [hidden], dialog:not([open])')) continue;
            const style = getComputedStyle(el);
            const [a, b] = [luminance(rgb(style.color).slice(0, 3)), luminance(background(el))];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
            if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)} of '${node.textContent.trim().slice(0, 30)}'`);
          }
          return problems;
        })()
        """;

    private const string Loaded = "document.getElementById('main').getAttribute('aria-busy') === 'false'";

    private Uri PageUrl() => new(fixture.Stack.ApiUrl, $"api/status?code={Uri.EscapeDataString(fixture.Stack.ApiKey)}");

    private static string Js(string value) => JsonSerializer.Serialize(value);

    /// <summary>Refreshes the page's figures until the condition holds once a load has finished (the main region is not busy).</summary>
    private static async Task RefreshUntilAsync(Chromium browser, string condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            await browser.WaitForAsync(Loaded, cancellationToken);
            if ((await browser.EvaluateAsync($"Boolean({condition})", cancellationToken))!.GetValue<bool>())
            {
                return;
            }

            await browser.EvaluateAsync("document.getElementById('refresh').click()", cancellationToken);
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <summary>Mail through the HTTP door, delivered and quarantined, so the figures have something to show.</summary>
    private async Task CarryMailAsync()
    {
        var before = await fixture.Stack.CountAsync();
        foreach (var (raw, _) in new[] { LocalStackFixture.Ham(), LocalStackFixture.Ham(), LocalStackFixture.Spam() })
        {
            using var response = await fixture.PostMailAsync(raw, "user@example.com");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await fixture.WaitForCountsAsync(counts => counts.Delivered + counts.Quarantined >= before.Delivered + before.Quarantined + 3);
    }

    private async Task<string> PublishForcedCanaryAsync()
    {
        if ((await StatusAsync()).GetProperty("state").GetProperty("canary").ValueKind != JsonValueKind.Null)
        {
            using var stopped = await fixture.Api.PostAsync("api/patterns/rollback", new StringContent("{ \"reason\": \"status page test: a clean start\" }", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        }

        var (defaultSet, _) = LocalPatternSet.Load(null);
        var version = $"page-canary-{Guid.NewGuid():N}"[..30];
        using var content = new StringContent(defaultSet.Replace("\"local-default-1\"", $"\"{version}\"", StringComparison.Ordinal), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var published = await fixture.Api.PostAsync("api/patterns?force=true&reason=status%20page%20test", content);
        Assert.Equal(HttpStatusCode.Accepted, published.StatusCode);
        var release = await fixture.WaitForReleaseAsync(published.Headers.Location!);
        Assert.Equal("canary", release.GetProperty("status").GetString());
        return version;
    }

    private async Task<JsonElement> StatusAsync()
    {
        using var response = await fixture.Api.GetAsync("api/patterns");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await LocalStackFixture.JsonAsync(response);
    }
}
