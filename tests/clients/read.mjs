// Read iCalendar files with ical.js (Thunderbird's parser) and node-ical, and
// print each parser's plain view of them as JSON, for tests/client_parsers.py.
//
//   node read.mjs FILE...   ->   [{"ical.js": VIEW, "node-ical": VIEW}, ...]
//
// A VIEW is {"events": [...], "vevents": N, "vtimezones": N, "name": ...,
// "calname": ..., "caldesc": ...} or {"error": "..."}. Times are converted to
// UTC by the parser itself: {"utc": "...Z"} for a timed value, {"date": ...}
// for an all-day one, {"floating": ...} when the parser found no zone.
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';
import nodeIcal from 'node-ical';

function icaljsTime(time) {
  if (!time) return null;
  if (time.isDate) return { date: time.toString() };
  if (time.zone === ICAL.Timezone.localTimezone || !time.zone) return { floating: time.toString() };
  return { utc: new Date(time.toUnixTime() * 1000).toISOString() };
}

function withIcaljs(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const vevents = calendar.getAllSubcomponents('vevent');
  return {
    events: vevents.map((vevent) => {
      const event = new ICAL.Event(vevent);
      const sequence = vevent.getFirstPropertyValue('sequence');
      return {
        uid: event.uid,
        summary: event.summary,
        start: icaljsTime(event.startDate),
        end: icaljsTime(event.endDate),
        status: vevent.getFirstPropertyValue('status'),
        sequence: sequence === null ? null : Number(sequence),
      };
    }),
    vevents: vevents.length,
    vtimezones: calendar.getAllSubcomponents('vtimezone').length,
    // ical.js knows neither NAME nor X-WR-*: it keeps them as type "unknown", TEXT escapes
    // and all, which is not the text a person reads, so they are not compared.
    name: null,
    calname: null,
    caldesc: null,
  };
}

function nodeIcalTime(value) {
  if (!value) return null;
  if (value.dateOnly) {
    // node-ical gives all-day dates as a Date at local midnight, flagged dateOnly.
    const pad = (n) => String(n).padStart(2, '0');
    return { date: `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}` };
  }
  if (!value.tz) return { floating: value.toISOString() };
  return { utc: value.toISOString() };
}

function nodeIcalText(value) {
  // Parameterised properties come back as {params, val}; plain ones as strings.
  if (value === undefined || value === null) return null;
  return typeof value === 'object' && 'val' in value ? value.val : value;
}

function withNodeIcal(text) {
  const data = nodeIcal.sync.parseICS(text);
  const items = Object.values(data);
  const vevents = items.filter((item) => item.type === 'VEVENT');
  const calendar = items.find((item) => item.type === 'VCALENDAR') ?? {};
  return {
    events: vevents.map((event) => ({
      uid: event.uid,
      summary: nodeIcalText(event.summary),
      start: nodeIcalTime(event.start),
      end: nodeIcalTime(event.end),
      status: event.status ?? null,
      sequence: event.sequence === undefined ? null : Number(event.sequence),
    })),
    vevents: vevents.length,
    vtimezones: items.filter((item) => item.type === 'VTIMEZONE').length,
    name: nodeIcalText(calendar.name ?? calendar.NAME),
    calname: nodeIcalText(calendar['WR-CALNAME'] ?? calendar['X-WR-CALNAME']),
    caldesc: nodeIcalText(calendar['WR-CALDESC'] ?? calendar['X-WR-CALDESC']),
  };
}

function attempt(read, text) {
  try {
    return read(text);
  } catch (error) {
    return { error: String(error?.stack ?? error) };
  }
}

const results = process.argv.slice(2).map((path) => {
  const text = readFileSync(path, 'utf8');
  return { 'ical.js': attempt(withIcaljs, text), 'node-ical': attempt(withNodeIcal, text) };
});
process.stdout.write(JSON.stringify(results));
