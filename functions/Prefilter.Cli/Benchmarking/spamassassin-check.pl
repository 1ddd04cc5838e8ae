# Times SpamAssassin's own check (Mail::SpamAssassin, its installed rules, local tests only, no Bayes) on the mail
# files listed one per line in the file named by the first argument, after compiling its rules, and prints one JSON
# object. Run by `prefilter bench --spamassassin-every N`.
use strict;
use warnings;
use Mail::SpamAssassin;
use Time::HiRes qw(time);

my $list = shift @ARGV or die "usage: spamassassin-check.pl <file listing mail paths>\n";
open(my $listed, '<', $list) or die "cannot read $list: $!\n";
chomp(my @files = <$listed>);
close $listed;

my $started = time;
my $spamassassin = Mail::SpamAssassin->new({
    local_tests_only => 1,
    dont_copy_prefs => 1,
    userprefs_filename => '/dev/null',
    post_config_text => "use_bayes 0\n",
});
$spamassassin->compile_now(0, 1);
my $compiled = time;

my $spam = 0;
my @verdicts;
for my $file (@files) {
    open(my $in, '<:raw', $file) or die "cannot read $file: $!\n";
    my $raw = do { local $/; <$in> };
    close $in;
    my $mail = $spamassassin->parse($raw);
    my $status = $spamassassin->check($mail);
    push @verdicts, $status->is_spam ? 1 : 0;
    $spam++ if $status->is_spam;
    $status->finish;
    $mail->finish;
}
my $checked = time;

# isSpam: one verdict per listed file, in order, so a report can set them beside the scan's.
printf "{\"version\":\"%s\",\"compileSeconds\":%.3f,\"messages\":%d,\"seconds\":%.3f,\"spam\":%d,\"isSpam\":[%s]}\n",
    Mail::SpamAssassin::Version(), $compiled - $started, scalar @files, $checked - $compiled, $spam,
    join(',', map { $_ ? 'true' : 'false' } @verdicts);
