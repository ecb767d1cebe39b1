<?php
// Read iCalendar files with sabre/vobject (Debian's php-sabre-vobject) and print
// the plain view tests/clients/read.mjs prints. sabre/vobject maps a TZID to
// PHP's own zone database (TimeZoneUtil), as Roundcube and Nextcloud do.
//
//   php read.php FILE...
require_once 'Sabre/VObject/autoload.php';

use Sabre\VObject;

function plain_time($prop) {
    if ($prop === null) {
        return null;
    }
    $when = $prop->getDateTime();
    if ($prop->getDateType() === VObject\Property\DateTime::DATE) {
        return ['date' => $when->format('Y-m-d')];
    }
    if ($prop->getDateType() === VObject\Property\DateTime::LOCAL) {
        return ['floating' => $when->format('Y-m-d\TH:i:s')];
    }
    $utc = (clone $when)->setTimezone(new DateTimeZone('UTC'));
    return ['utc' => $utc->format('Y-m-d\TH:i:s\Z')];
}

function text($value) {
    return $value === null ? null : (string) $value;
}

function view($path) {
    $calendar = VObject\Reader::read(file_get_contents($path));
    $events = [];
    $vevents = $calendar->select('VEVENT');
    foreach ($vevents as $event) {
        $events[] = [
            'uid' => text($event->UID),
            // sabre/vobject 2.x unescapes only \n and \\ in values, leaving \, and \; as
            // written: its SUMMARY is not the text a person reads, so it is not compared.
            'summary' => null,
            'start' => plain_time($event->DTSTART),
            'end' => plain_time($event->DTEND),
            'status' => text($event->STATUS),
            'sequence' => $event->SEQUENCE === null ? null : (int) (string) $event->SEQUENCE,
        ];
    }
    return [
        'events' => $events,
        'vevents' => count($vevents),
        'vtimezones' => count($calendar->select('VTIMEZONE')),
        'name' => null,
        'calname' => null,
        'caldesc' => null,
    ];
}

$results = [];
foreach (array_slice($argv, 1) as $path) {
    try {
        $results[] = ['php-sabre-vobject' => view($path)];
    } catch (Throwable $error) {
        $results[] = ['php-sabre-vobject' => ['error' => get_class($error) . ': ' . $error->getMessage()]];
    }
}
echo json_encode($results, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
