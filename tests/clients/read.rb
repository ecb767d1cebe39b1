# Read iCalendar files with Ruby's icalendar gem and print its plain view as
# JSON, in the shape tests/clients/read.mjs prints (see there).
#
#   ruby read.rb FILE...
#
# Without ActiveSupport loaded, the gem resolves a TZID through the file's own
# VTIMEZONE (Icalendar::Timezone#offset_for_local), which is what is tested.
require 'json'
require 'stringio' # the gem's parser uses StringIO without requiring it
require 'icalendar'

def plain_time(value)
  return nil if value.nil?
  return { 'date' => value.strftime('%Y-%m-%d') } if value.is_a?(Icalendar::Values::Date)

  tzid = value.ical_params['tzid']
  floating = tzid.nil? && !value.value_ical.end_with?('Z')
  return { 'floating' => value.value_ical } if floating

  { 'utc' => value.to_time.getutc.strftime('%Y-%m-%dT%H:%M:%SZ') }
end

def text(value)
  value.nil? ? nil : value.to_s
end

def custom(calendar, name)
  values = calendar.custom_property(name)
  values.empty? ? nil : values.first.to_s
end

def read(text)
  calendars = Icalendar::Calendar.parse(text)
  raise "expected one VCALENDAR, found #{calendars.length}" unless calendars.length == 1

  calendar = calendars.first
  {
    'events' => calendar.events.map do |event|
      {
        'uid' => text(event.uid),
        'summary' => text(event.summary),
        'start' => plain_time(event.dtstart),
        'end' => plain_time(event.dtend),
        'status' => text(event.status),
        'sequence' => event.sequence.nil? ? nil : event.sequence.to_i
      }
    end,
    'vevents' => calendar.events.length,
    'vtimezones' => calendar.timezones.length,
    'name' => custom(calendar, 'name'),
    'calname' => custom(calendar, 'x_wr_calname'),
    'caldesc' => custom(calendar, 'x_wr_caldesc')
  }
end

results = ARGV.map do |path|
  view = begin
    read(File.read(path, encoding: 'UTF-8'))
  rescue StandardError => e
    { 'error' => "#{e.class}: #{e.message}" }
  end
  { 'ruby-icalendar' => view }
end
$stdout.write(JSON.generate(results))
