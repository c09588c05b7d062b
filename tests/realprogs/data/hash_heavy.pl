# Hash-, string- and array-heavy deterministic Perl workload for tests/realprogs/perl.sh.
# Prints only values that depend on the computation (hash keys always sorted), so its
# output must be identical whatever malloc perl runs on.
# Usage: perl hash_heavy.pl [SCALE]
use strict;
use warnings;
use List::Util qw(sum max);

my $SCALE = shift // 1;
sub n { my $x = int($_[0] * $SCALE); $x < 1 ? 1 : $x }
srand(20240611);

my @alpha = ('a' .. 'z', 'A' .. 'Z', '0' .. '9', '_', '-');
my $POOL = join '', map { $alpha[rand @alpha] } 1 .. 200_000;
my $PL = length $POOL;
sub rstr {    # a fresh random string of length lo..hi
    my ($lo, $hi) = @_;
    my $k = $lo + int(rand($hi - $lo + 1));
    return substr($POOL, int(rand($PL - $k)), $k);
}
sub ck { unpack('%32C*', $_[0]) . '/' . length($_[0]) }    # cheap content checksum
my $all = '';
sub report { my $l = join(' ', @_) . "\n"; $all .= $l; print $l; }

# 1. A large hash of mixed values; delete in random order, reinsert, iterate sorted.
my %h;
my $N = n(200_000);
for my $i (1 .. $N) {
    my $k = sprintf('k%07d_%s', int(rand(1e7)), rstr(0, 8));
    my $r = $i % 4;
    $h{$k} = $r == 0 ? rstr(0, 60)
           : $r == 1 ? [ map { $_ * $i } 0 .. ($i % 13) ]
           : $r == 2 ? { a => $i, b => rstr(1, 20), c => [ $i, $i + 1 ] }
           :           $i * 3.5;
}
my @keys = sort keys %h;
for my $i (reverse 1 .. $#keys) {    # Fisher-Yates with perl's seeded rand
    my $j = int(rand($i + 1));
    @keys[$i, $j] = @keys[$j, $i];
}
delete $h{ $keys[$_] } for 0 .. int(@keys / 2);
$h{"new$_"} = "v" x ($_ % 300) for 1 .. n(60_000);
my $sig = '';
for my $k (sort keys %h) {
    my $v = $h{$k};
    $sig .= ref $v eq 'ARRAY' ? scalar(@$v) : ref $v eq 'HASH' ? $v->{b} : $v;
}
report('hash', scalar(keys %h), ck($sig));
undef %h; @keys = ();

# 2. Strings: appends, substitutions, split/join, tr, reverse, sprintf, regex captures.
my $text = '';
$text .= rstr(1, 12) . (rand() < 0.1 ? "\n" : ' ') for 1 .. n(250_000);
my $t2 = $text;
(my $t3 = $text) =~ s/([aeiou])([A-Z])/$2-$1/g;
my $subs = ($t2 =~ s/\d+/<num>/g) // 0;
(my $t4 = $t2) =~ tr/a-zA-Z/n-za-mN-ZA-M/;
my @lines = split /\n/, $text;
my @words = split ' ', $text;
my @caps = $text =~ /\b([A-Z][a-z]{2,})\b/g;
my $rev = reverse $text;
my $fmt = join ',', map { sprintf('%05d:%-8s:%x', $_, $words[$_], length $words[$_]) } 0 .. $#words;
report('strings', scalar(@lines), scalar(@words), scalar(@caps), $subs,
       ck($t3), ck($t4), ck($rev), ck($fmt));
undef $_ for $t2, $t3, $t4, $rev, $fmt;

# 3. Word frequencies (hash of counts and of arrays), top entries.
my (%cnt, %pos);
for my $i (0 .. $#words) {
    my $w = lc substr($words[$i], 0, 3);
    $cnt{$w}++;
    push @{ $pos{$w} }, $i if $cnt{$w} <= 50;
}
my @top = (sort { $cnt{$b} <=> $cnt{$a} || $a cmp $b } keys %cnt)[0 .. 9];
report('freq', scalar(keys %cnt), map { "$_=$cnt{$_}" } @top);
report('pos', sum(map { scalar @$_ } values %pos), ck(join ',', map { "@{$pos{$_}}" } sort keys %pos));
undef %cnt; undef %pos; @lines = ();

# 4. Arrays: push/pop/shift/unshift/splice, sorting, map/grep.
my @a;
for my $i (1 .. n(400_000)) {
    my $op = rand;
    if    ($op < 0.40) { push @a, $i * 7 % 1000003 }
    elsif ($op < 0.55) { unshift @a, rstr(0, 5) . "_$i" }
    elsif ($op < 0.70) { pop @a }
    elsif ($op < 0.80) { shift @a }
    elsif (@a > 10)    { splice(@a, int(rand(@a - 5)), 3, ($i) x int(rand(6))) }
}
my @num = sort { $a <=> $b } grep { /^\d+$/ } @a;
my @str = sort grep { !/^\d+$/ } @a;
my %seen;
my @uniq = grep { !$seen{$_}++ } @num;
report('arrays', scalar(@a), scalar(@num), scalar(@str), scalar(@uniq),
       $num[0], $num[-1], ck(join ',', @num[0 .. 99]), ck(join ',', @str));
@a = @num = @str = @uniq = (); undef %seen;

# 5. Short-lived nested structures built and dropped in a loop (lots of frees).
my $acc = 0;
for my $round (1 .. n(150)) {
    my %tree;
    for my $j (1 .. 2000) {
        my $node = \%tree;
        $node = $node->{ $_ } //= {} for split //, sprintf('%04d', ($j * $round) % 9973);
        push @{ $node->{list} }, [ $j, rstr(0, 30) ];
    }
    my @stack = (\%tree);
    while (my $node = pop @stack) {
        for my $k (sort keys %$node) {
            if ($k eq 'list') { $acc += length($_->[1]) + $_->[0] for @{ $node->{list} } }
            else              { push @stack, $node->{$k} }
        }
    }
}
report('trees', $acc);

# 6. pack/unpack and large string buffers.
my $bin = '';
$bin .= pack('N n C/a*', $_, $_ % 65536, rstr(0, 40)) for 1 .. n(150_000);
my ($off, $cnt2, $tot) = (0, 0, 0);
while ($off < length $bin) {
    my ($x, $y, $s) = unpack("x$off N n C/a*", $bin);
    $off += 7 + length $s; $cnt2++; $tot += length $s;
}
report('pack', length($bin), $cnt2, $tot, ck($bin));

print 'summary: ', ck($all), "\n";
