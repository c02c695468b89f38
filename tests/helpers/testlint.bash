# testlint.bash: the two ways a bats test passes without checking.
#
#	testlint FILE...   print FILE:LINE: WHAT: THE LINE for each finding,
#	                   and return 1 when there is one
#
# An && list: bats runs a test under set -e, which ignores a failure of
# every command of an && list but the last, so `[ A ] && [ B ]` passes
# whatever A says.  A list is let be where its status is used: in the
# condition of an if, elif, while or until; followed by || (a handler);
# as the last command of a function (its return value); and when what
# comes last is break, continue, return, exit, skip or an assignment (a
# polling loop's `... && break`, a conditional `... && n=$((n + 1))`).
# What is quoted, [[ ]], $( ), ${ }, $(( )) and here-documents are not
# looked into.
#
# A sleep of a second or more, anywhere but in a comment line (also in
# quotes and here-documents: a script a test writes, bash -c "..."):
# tests wait for what they can see happen (wait_until), not for a time.
#
# In Perl, like fixtures/pack-frames: shell text is read a character at a
# time.
testlint() {
	perl - "$@" <<'PERL'
use strict;
use warnings;

my (@found, $failed);

sub report {
	my ($file, $line, $what, $src) = @_;
	$src =~ s/^\s+|\s+$//g;
	push @found, [$line, "$file:$line: $what: $src\n"];
}

# sleep N, N of a second or more (suffix s, m, h or d).
sub sleeps {
	my ($file, $src) = @_;
	my %unit = ("" => 1, s => 1, m => 60, h => 3600, d => 86400);
	for my $i (0 .. $#$src) {
		next if $src->[$i] =~ /^\s*#/;
		while ($src->[$i] =~
		    /(?<![\w.-])sleep\s+(\d+(?:\.\d*)?|\.\d+)([smhd]?)(?![\w.])/g) {
			report($file, $i + 1, "sleep $1$2 waits for a time (wait_until)",
			    $src->[$i]) if $1 * $unit{$2} >= 1;
		}
	}
}

# The constructs whose inside is blanked, by what opens them.  "paren" is
# a ( inside one of them, so that its ) does not close it.
my %closer = (sq => "'", ansi => "'", dq => '"', bq => '`', sub => ')',
    paren => ')', arith => '))', brace => '}', dbr => ']]');

# The file as the shell lists it: the inside of the constructs above
# blanked (x), comments and here-documents dropped, continued lines
# joined.  Returns the characters and the line each came from.
sub code {
	my ($text) = @_;
	my (@out, @lineof, @ctx, @heredocs);
	my ($i, $line, $prev, $n) = (0, 1, "\n", length $text);
	my $take = sub {	# the next $_[0] characters of the text
		for my $c (split //, substr($text, $i, $_[0])) {
			push @out, !@ctx ? $c : $c eq "\n" ? " " : "x";
			push @lineof, $line;
			$line++ if $c eq "\n";
			$prev = $c;
		}
		$i += $_[0];
	};
	while ($i < $n) {
		my $at = substr($text, $i, 3);
		my $ctx = @ctx ? $ctx[-1] : "code";
		my $words = $ctx !~ /^(sq|ansi|dq|bq)$/;	# shell words, not a string
		my $word_start = $prev =~ /[\s;&|(]/;
		if ($at =~ /^\\\n/ && $ctx ne "sq") {	# a continued line
			push @out, " ", " ";
			push @lineof, $line, $line;
			$line++;
			$i += 2;
		} elsif ($at =~ /^\\/ && $ctx ne "sq") {
			$take->(2);
		} elsif ($ctx ne "code" && substr($text, $i, length $closer{$ctx}) eq
		    $closer{$ctx}) {
			$take->(length $closer{$ctx});
			pop @ctx;
		} elsif ($ctx eq "sq") {
			$take->(1);
		} elsif ($ctx =~ /^(code|sub|paren)$/ && $at =~ /^#/ && $word_start) {
			$i++ while $i < $n && substr($text, $i, 1) ne "\n";
		} elsif (($words || $ctx eq "dq") && $at =~ /^(\$\(\(|\$\(|\$\{|`)/) {
			my $open = $1;
			$take->(length $open);
			push @ctx, { '$((' => "arith", '$(' => "sub", '${' => "brace",
			    '`' => "bq" }->{$open};
		} elsif ($words && $at =~ /^(\$'|'|")/) {
			my $open = $1;
			$take->(length $open);
			push @ctx, { q{$'} => "ansi", q{'} => "sq", '"' => "dq" }->{$open};
		} elsif ($ctx eq "code" && $word_start && $at =~ /^(\(\(|\[\[\s)/) {
			$take->(2);
			push @ctx, $1 eq "((" ? "arith" : "dbr";
		} elsif ($words && $ctx ne "code" && $ctx ne "dbr" && $at =~ /^\(/) {
			$take->(1);
			push @ctx, "paren";
		} elsif ($ctx eq "code" && $prev ne "<" &&
		    substr($text, $i) =~ /^<<(-?)\s*(["']?)(\w+)\2/) {
			push @heredocs, [$1, $3];
			$take->(length $&);
		} else {
			$take->(1);
		}
		# A here-document's text begins on the line after its <<WORD.
		next unless $prev eq "\n" && !@ctx && @heredocs;
		for my $h (@heredocs) {
			my ($tabs, $word) = @$h;
			while ($i < $n) {
				my $end = index($text, "\n", $i);
				$end = $n if $end < 0;
				my $l = substr($text, $i, $end - $i);
				$i = $end + 1;
				$line++;
				last if $tabs ? $l =~ /^\t*\Q$word\E$/ : $l eq $word;
			}
		}
		@heredocs = ();
	}
	return (\@out, \@lineof);
}

# The commands of the code, each with its first line: split at newlines
# (but for lines ending in &&, || or |) and semicolons, and around the
# words { and }.
sub commands {
	my ($chars, $lineof) = @_;
	my (@cmds, $start);
	my $cur = "";
	my $flush = sub {
		push @cmds, [$cur, $start] if $cur =~ /\S/;
		($cur, $start) = ("", undef);
	};
	for my $k (0 .. $#$chars) {
		my $c = $chars->[$k];
		if ($c eq "\n" && $cur =~ /(&&|\|\|?)\s*$/) {
			$cur .= " ";
		} elsif ($c eq "\n" || $c eq ";") {
			$flush->();
		} else {
			$start //= $lineof->[$k] if $c =~ /\S/;
			$cur .= $c;
		}
	}
	$flush->();
	return map {
		my $line = $_->[1];
		map { /\S/ ? [$_, $line] : () }
		    split /(?:^|(?<=\s))([{}])(?=\s|$)/, $_->[0]
	} @cmds;
}

sub lists {
	my ($file, $text, $src) = @_;
	my @cmds = commands(code($text));
	my @blocks;	# "function" or "other", innermost last
	for my $k (0 .. $#cmds) {
		my ($cmd, $line) = @{$cmds[$k]};
		$cmd =~ s/^\s+|\s+$//g;
		if ($cmd eq "{") {
			my $before = $k > 0 ? $cmds[$k - 1][0] : "";
			push @blocks, $before =~ /^\s*(function\s+)?[\w:.-]+\s*\(\)\s*$/ ?
			    "function" : "other";
			next;
		}
		if ($cmd eq "}") {
			pop @blocks;
			next;
		}
		$cmd =~ s/^(?:(?:then|do|else)\s+)+//;
		next if $cmd =~ /^(if|elif|while|until)\s/;
		my $and = rindex($cmd, "&&");
		next if $and < 0 || rindex($cmd, "||") > $and;
		my $last = substr($cmd, $and + 2);
		next if $last =~ /^\s*(break|continue|return|exit|skip)\b/;
		next if $last =~ /^\s*[A-Za-z_]\w*(\[[^\]]*\])?\+?=/;
		next if $k < $#cmds && $cmds[$k + 1][0] =~ /^\s*\}\s*$/ &&
		    @blocks && $blocks[-1] eq "function";
		report($file, $line, "an && list ignores all but its last failure " .
		    "(one assertion per line)", $src->[$line - 1]);
	}
}

for my $file (@ARGV) {
	open(my $fh, "<", $file) or die "testlint: $file: $!\n";
	my $text = do { local $/; <$fh> };
	close($fh);
	my @src = split /\n/, $text, -1;
	@found = ();
	sleeps($file, \@src);
	lists($file, $text, \@src);
	print map { $_->[1] } sort { $a->[0] <=> $b->[0] } @found;
	$failed ||= @found;
}
exit($failed ? 1 : 0);
PERL
}
