# Read iCalendar files with Perl's Data::ICal, times through DateTime::Format::ICal
# and DateTime::TimeZone (which resolve a TZID by its Olson name, not through
# the file's VTIMEZONE), and print the plain view tests/clients/read.mjs prints.
#
#   perl read.pl FILE...
use strict;
use warnings;
use Data::ICal;
use DateTime::Format::ICal;
use JSON::PP;

# Data::ICal warns of every property it has no table for (RFC 7986's NAME, COMMENT
# in a VTIMEZONE...); that is not a failure to read, so keep stderr for real errors.
local $SIG{__WARN__} = sub { warn @_ unless $_[0] =~ /^Unknown property for Data::ICal/ };

sub first_value {
    my ($entry, $name) = @_;
    my $props = $entry->property($name);
    return $props && @$props ? $props->[0]->value : undef;
}

sub plain_time {
    my ($entry, $name) = @_;
    my $props = $entry->property($name);
    return undef unless $props && @$props;
    my $prop = $props->[0];
    my $params = $prop->parameters;
    my $tzid = $params->{TZID};
    my $when = DateTime::Format::ICal->parse_datetime(($tzid ? "TZID=$tzid:" : '') . $prop->value);
    return { date => $when->ymd } if ($params->{VALUE} // '') eq 'DATE';
    return { floating => "$when" } if $when->time_zone->is_floating;
    return { utc => $when->clone->set_time_zone('UTC')->strftime('%Y-%m-%dT%H:%M:%SZ') };
}

sub view {
    my ($path) = @_;
    open my $handle, '<:encoding(UTF-8)', $path or die "$path: $!\n";
    my $text = do { local $/; <$handle> };
    close $handle;
    my $calendar = Data::ICal->new(data => $text);
    die "$calendar\n" unless $calendar;    # a false Class::ReturnValue carrying the message
    my @entries = @{ $calendar->entries };
    my @vevents = grep { $_->ical_entry_type eq 'VEVENT' } @entries;
    my @events = map {
        my $sequence = first_value($_, 'sequence');
        {
            uid      => first_value($_, 'uid'),
            summary  => first_value($_, 'summary'),
            start    => plain_time($_, 'dtstart'),
            end      => plain_time($_, 'dtend'),
            status   => first_value($_, 'status'),
            sequence => defined $sequence ? 0 + $sequence : undef,
        }
    } @vevents;
    return {
        events     => \@events,
        vevents    => scalar @vevents,
        vtimezones => scalar(grep { $_->ical_entry_type eq 'VTIMEZONE' } @entries),
        name       => first_value($calendar, 'name'),
        calname    => first_value($calendar, 'x-wr-calname'),
        caldesc    => first_value($calendar, 'x-wr-caldesc'),
    };
}

my @results = map {
    my $path = $_;
    my $view = eval { view($path) };
    { 'perl-data-ical' => $view // { error => "$@" } };
} @ARGV;
print JSON::PP->new->utf8->canonical->encode(\@results);
