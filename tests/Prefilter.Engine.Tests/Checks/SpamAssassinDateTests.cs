using Prefilter.Engine.Checks;

namespace Prefilter.Engine.Tests.Checks;

public class SpamAssassinDateTests
{
    [Theory]
    [InlineData("Thu, 1 Aug 2002 12:00:00 +0200", "2002-08-01T10:00:00Z")]
    [InlineData("1 Aug 2002 12:00:00 -0430", "2002-08-01T16:30:00Z")]
    // asctime's form: SpamAssassin takes the time of day out with the date, so the time is midnight.
    [InlineData("Thu Aug  1 12:00:00 2002", "2002-08-01T00:00:00Z")]
    [InlineData("Thu, 1 Aug 02 12:00:00 EDT", "2002-08-01T16:00:00Z")]
    [InlineData("Thu, 1 Aug 98 12:00 GMT", "1998-08-01T12:00:00Z")]
    [InlineData("Thu, 31 Feb 2002 12:00:00 +0000", "2002-03-01T12:00:00Z")]
    [InlineData("Thu, 1 Aug 2002 25:61:61 +0000", "2002-08-01T23:59:59Z")]
    [InlineData("Thu, 1 Aug 2002 12:00:00 XYZ", "2002-08-01T12:00:00Z")]
    [InlineData("Thu, 1 Aug 2050 12:00:00 +0000", "2037-08-01T12:00:00Z")]
    [InlineData("from mail by host with SMTP; Thu, 1 Aug 2002 12:00:00 +0100 (BST)", "2002-08-01T11:00:00Z")]
    public void Reads_dates_as_spamassassin_does(string text, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds(), SpamAssassinDate.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("Thu, 0 Aug 2002 12:00:00 +0000")]
    [InlineData("2002-08-01T12:00:00Z")]
    public void Has_no_date_where_spamassassin_has_none(string text)
    {
        Assert.Null(SpamAssassinDate.Parse(text));
    }
}
