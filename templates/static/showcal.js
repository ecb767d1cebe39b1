// showcal pages: times in the reader's own zone and language, one Subscribe chosen for the device, the
// catalogue search, the month view, bundles, copy buttons and the feed options.
// Served from the site itself; nothing here talks to another host. Every page works without it.
"use strict";

(function () {
  var root = document.documentElement;
  var KINDS = (root.getAttribute("data-kinds") || "").split("|");
  var LABELS = (root.getAttribute("data-kind-labels") || "").split("|");
  var INACTIVE = { cancelled: true, postponed: true };
  var ROWS_PER_PAGE = 50;

  function byId(id) { return document.getElementById(id); }

  function make(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  function hiddenText(text) { return make("span", "visually-hidden", text); }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function absolute(href) { return new URL(href, document.baseURI).href; }

  // Every way to add the feed at `url`; the same forms as pages.Subscribe on the server.
  function links(url, name) {
    var webcal = url.replace(/^https?:/, "webcal:");
    var query = "url=" + encodeURIComponent(url) + "&name=" + encodeURIComponent(name);
    return {
      url: url,
      webcal: webcal,
      google: "https://calendar.google.com/calendar/render?cid=" + encodeURIComponent(webcal),
      outlook: "https://outlook.live.com/calendar/0/addfromweb?" + query,
      office: "https://outlook.office.com/calendar/0/addfromweb?" + query,
    };
  }

  // --- One Subscribe for this device -------------------------------------------------------------

  function device() {
    var ua = navigator.userAgent || "";
    if (/iPhone|iPad|iPod/.test(ua)) return "apple";
    if (/Android/.test(ua)) return "android";
    if (/CrOS/.test(ua)) return "chromeos";
    if (/Macintosh|Mac OS X/.test(ua)) return "apple";
    if (/Windows/.test(ua)) return "windows";
    return "";
  }

  var DEVICE = device();
  // The app each device's Subscribe opens: [the menu entry it copies, the app's name].
  var CHOICE = {
    apple: ["apple", "Apple Calendar"],
    android: ["google", "Google Calendar"],
    chromeos: ["google", "Google Calendar"],
    windows: ["outlook", "Outlook"],
  }[DEVICE];

  function choose(block) {
    var primary = byId(block.id + "-primary");
    var source = byId(block.id + "-" + (CHOICE ? CHOICE[0] : "apple"));
    if (!primary || !source) return;
    primary.setAttribute("href", source.getAttribute("href"));
    primary.textContent = CHOICE ? "Subscribe in " + CHOICE[1] : "Subscribe";
    primary.setAttribute("data-app", CHOICE ? CHOICE[0] : "webcal");
    block.querySelectorAll(".subscribe-hint").forEach(function (hint) {
      hint.hidden = hint.getAttribute("data-device") !== (CHOICE ? DEVICE : "");
    });
  }

  // Fill one subscribe block from its (possibly relative) feed address.
  function fill(block, href) {
    var prefix = block.id;
    var found = links(absolute(href), block.getAttribute("data-name") || "");
    var set = function (suffix, attr, value) {
      var el = byId(prefix + suffix);
      if (el) el.setAttribute(attr, value);
    };
    block.setAttribute("data-feed", href);
    set("-apple", "href", found.webcal);
    set("-google", "href", found.google);
    set("-outlook", "href", found.outlook);
    set("-office", "href", found.office);
    set("-copy", "data-copy", found.url);
    set("-download", "href", href + (href.indexOf("?") < 0 ? "?" : "&") + "download=1");
    var input = byId(prefix + "-url");
    if (input) input.value = found.url;
    choose(block);
    return found;
  }

  // A catalogue row's one button: the device's app, or on Android the show page, which explains Google's limits.
  function rowSubscribe(a) {
    var found = links(absolute(a.getAttribute("data-feed")), a.getAttribute("data-name") || "");
    var target = { apple: found.webcal, windows: found.outlook, chromeos: found.google }[DEVICE] || found.webcal;
    if (DEVICE === "android") target = a.getAttribute("data-page") + "#subscribe-section";
    a.setAttribute("href", target);
  }

  function copy(button) {
    var status = byId(button.id.replace(/-copy$/, "-status"));
    var text = button.getAttribute("data-copy");
    var done = function (message) { if (status) status.textContent = message; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { done("Copied the address."); },
        function () { done("Could not copy; select the address and copy it."); }
      );
    } else {
      var input = byId(button.id.replace(/-copy$/, "-url"));
      if (input) { input.focus(); input.select(); }
      done("Press Ctrl+C (or Cmd+C) to copy the selected address.");
    }
  }

  // The QR code of the subscribe address, drawn here by static/qr.js (window.showcalQR) from the address
  // the page itself computed, so a static build draws it too without knowing its host. A large screen
  // shows it (CSS); without the script there is no code, and the address is there to copy.
  function drawQr(text) {
    var figure = byId("qr");
    var slot = byId("qr-code");
    if (!figure || !slot) return;
    if (text && figure.getAttribute("data-qr") === text && slot.firstElementChild) {
      figure.hidden = false;
      return;
    }
    if (text && window.showcalQR && typeof window.showcalQR.render === "function") {
      window.showcalQR.render(slot, text, { title: figure.getAttribute("data-qr-label") || "QR code" });
      figure.setAttribute("data-qr", text);
      figure.hidden = false;
    } else {
      figure.hidden = true;
    }
  }

  // --- Dates in the reader's zone and language -------------------------------------------------------

  var LOCAL_ZONE = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  var FORMATS = {
    dayLong: { weekday: "short", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" },
    dayShort: { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" },
    timeLong: {
      weekday: "short", day: "numeric", month: "long", year: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short",
    },
    timeShort: { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" },
    month: { month: "long", year: "numeric", timeZone: "UTC" },
    monthShort: { month: "short", year: "numeric", timeZone: "UTC" },
    weekday: { weekday: "short", timeZone: "UTC" },
    weekdayLong: { weekday: "long", timeZone: "UTC" },
    agendaDay: { weekday: "short", day: "numeric", timeZone: "UTC" },
  };
  var made = {};

  function format(name, zone) {
    var key = name + "|" + (zone || "");
    if (!made[key]) {
      var options = Object.assign({}, FORMATS[name]);
      if (zone) options.timeZone = zone;
      made[key] = new Intl.DateTimeFormat(undefined, options);
    }
    return made[key];
  }

  var LOCALE = format("dayLong").resolvedOptions().locale;

  // An all-day date ("2025-01-17") is a label, the same everywhere: it is kept at 00:00 UTC and printed in UTC.
  function dayDate(iso) {
    var p = iso.split("-");
    return new Date(Date.UTC(+p[0], +p[1] - 1, +p[2]));
  }

  function isoDay(date) { return date.getUTCFullYear() + "-" + pad(date.getUTCMonth() + 1) + "-" + pad(date.getUTCDate()); }

  function localDay(date) { return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()); }

  function wallClock(moment, zone) {
    return new Intl.DateTimeFormat("en", {
      timeZone: zone, year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric",
    }).format(moment);
  }

  function place(zone) { return zone.split("/").pop().replace(/_/g, " "); }

  // Rewrite one <time class="when"> in the reader's zone and language; a timed one keeps its own zone as a note.
  function localise(time) {
    var short = time.classList.contains("when-short");
    var formatter;
    var note = time.nextElementSibling && time.nextElementSibling.classList.contains("zone-note")
      ? time.nextElementSibling : null;
    if (time.classList.contains("when-timed")) {
      var moment = new Date(time.getAttribute("datetime"));
      if (isNaN(moment)) return;
      formatter = format(short ? "timeShort" : "timeLong");
      time.textContent = formatter.format(moment);
      var zone = time.getAttribute("data-zone");
      var noted = !short && !time.classList.contains("no-zone-note");
      if (noted && zone && wallClock(moment, zone) !== wallClock(moment, LOCAL_ZONE)) {
        if (!note) {
          note = make("span", "zone-note");
          time.parentNode.insertBefore(note, time.nextSibling);
        }
        note.lang = LOCALE;
        note.textContent = " (" + format("timeShort", zone).format(moment) + " in " + place(zone) + ")";
      } else if (note) {
        note.remove();
      }
    } else {
      formatter = format(short ? "dayShort" : "dayLong");
      var first = dayDate(time.getAttribute("datetime"));
      var until = time.getAttribute("data-until");
      time.textContent = until && formatter.formatRange
        ? formatter.formatRange(first, dayDate(until)) : formatter.format(first);
    }
    time.lang = LOCALE;
  }

  // --- Upcoming and past by the reader's clock ------------------------------------------------------

  function ended(li, now, today) {
    var end = li.getAttribute("data-end");
    if (end) return Date.parse(end) <= now;
    return li.getAttribute("data-last") < today;
  }

  function splitPast() {
    var upcoming = byId("upcoming-events");
    var past = byId("past-events");
    if (!upcoming || !past) return;
    var now = Date.now();
    var today = localDay(new Date());
    // Past then upcoming is date order, whichever day the page was rendered on.
    var all = Array.prototype.slice.call(past.children).concat(Array.prototype.slice.call(upcoming.children));
    all.forEach(function (li) { (ended(li, now, today) ? past : upcoming).appendChild(li); });
    byId("past").hidden = past.children.length === 0;
    byId("upcoming-empty").hidden = upcoming.children.length > 0;
    byId("upcoming-heading").textContent = "Upcoming";
  }

  function nextUp() {
    var line = byId("next-up");
    var upcoming = byId("upcoming-events");
    if (!line || !upcoming) return;
    var li = Array.prototype.find.call(upcoming.children, function (item) {
      return !INACTIVE[item.getAttribute("data-status")];
    });
    line.textContent = "";
    line.hidden = !li;
    if (!li) return;
    var link = make("a");
    link.href = "#" + li.id;
    link.appendChild(make("span", "kind", li.querySelector(".kind").textContent));
    link.appendChild(document.createTextNode(" · "));
    var time = li.querySelector("time.when").cloneNode(true);
    time.classList.add("no-zone-note"); // the list below has it; the summary line stays short
    link.appendChild(time);
    link.appendChild(document.createTextNode(" · "));
    link.appendChild(make("span", "next-title", li.querySelector(".title-text").textContent));
    line.appendChild(document.createTextNode("Next: "));
    line.appendChild(link);
  }

  // --- Catalogue rows: the next date from each row's encoded dates ----------------------------------------

  // The inverse of listing.encode_events: [{kind, timed, start, end}] in minutes (all-day: date labels at 00:00 UTC).
  function decodeEvents(text) {
    var out = [];
    var start = 0;
    (text || "").split(" ").forEach(function (token) {
      if (!token) return;
      var code = token.charCodeAt(0);
      var timed = code < 97;
      var parts = token.slice(1).split("~");
      start += parseInt(parts[0], 36);
      var length = parts[1] ? parseInt(parts[1], 36) : (timed ? 60 : 1440);
      out.push({ kind: KINDS[code - (timed ? 65 : 97)], timed: timed, start: start, end: start + length });
    });
    return out;
  }

  function clock() {
    var now = new Date();
    return { now: now.getTime(), today: Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) / 60000 };
  }

  function nextOf(events, at, kind) {
    for (var i = 0; i < events.length; i++) {
      var e = events[i];
      if (kind && e.kind !== kind) continue;
      if (e.timed ? e.end * 60000 > at.now : e.end > at.today) return e;
    }
    return null;
  }

  function showNext(span, next) {
    span.textContent = "";
    if (!next) {
      span.textContent = "No upcoming dates";
      return;
    }
    var time = make("time", "when when-short " + (next.timed ? "when-timed" : "when-day"));
    var start = new Date(next.start * 60000);
    time.setAttribute("datetime", next.timed ? start.toISOString() : isoDay(start));
    if (!next.timed && next.end - next.start > 1440) time.setAttribute("data-until", isoDay(new Date((next.end - 1440) * 60000)));
    span.appendChild(document.createTextNode("Next: " + (LABELS[KINDS.indexOf(next.kind)] || next.kind) + " · "));
    span.appendChild(time);
    localise(time);
  }

  function rowNext(li, at, kind) {
    var span = li.querySelector(".show-next");
    if (span) showNext(span, nextOf(decodeEvents(li.getAttribute("data-events")), at, kind));
  }

  // --- The catalogue search ---------------------------------------------------------------------------

  function fold(text) { return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }

  function catalogueRow(show, names, rootPath, bundles, picks) {
    var slug = show[0];
    var title = show[1];
    var li = make("li", "show-row");
    li.id = "show-" + slug;
    li.setAttribute("data-slug", slug);
    li.setAttribute("data-events", show[3]);
    var link = make("a", "show-title", title);
    link.href = rootPath + "shows/" + slug;
    li.appendChild(link);
    li.appendChild(make("span", "show-network", show[2] >= 0 ? names[show[2]] : ""));
    li.appendChild(make("span", "show-next"));
    var button = make("a", "button subscribe-row", "Subscribe");
    button.appendChild(hiddenText(" to " + title));
    button.setAttribute("data-feed", rootPath + "shows/" + slug + ".ics");
    button.setAttribute("data-page", rootPath + "shows/" + slug);
    button.setAttribute("data-name", title);
    rowSubscribe(button);
    li.appendChild(button);
    if (bundles) {
      var label = make("label", "bundle-pick");
      var box = make("input");
      box.type = "checkbox";
      box.name = "show";
      box.value = slug;
      box.setAttribute("form", "bundle-form");
      box.setAttribute("data-title", title);
      box.checked = picks.has(slug);
      label.appendChild(box);
      label.appendChild(document.createTextNode(" Bundle"));
      label.appendChild(hiddenText(" (" + title + ")"));
      li.appendChild(label);
    }
    return li;
  }

  function catalogue(bundle) {
    var form = byId("show-search");
    var list = byId("show-rows");
    if (!form || !list) return;
    var status = byId("search-status");
    var more = byId("search-more");
    var query = byId("search-q");
    var network = byId("search-network");
    var kind = byId("search-kind");
    var first = Array.prototype.slice.call(list.children);
    var firstStatus = status.textContent;
    var data = null;
    var loading = null;
    var results = [];
    var shown = 0;
    form.hidden = false;

    function load() {
      if (!loading) {
        loading = fetch(form.getAttribute("data-src")).then(function (response) {
          if (!response.ok) throw new Error("search index: " + response.status);
          return response.json();
        }).then(function (json) {
          data = json;
          data.folded = json.shows.map(function (show) { return fold(show[1]); });
          json.networks.forEach(function (name, i) {
            var option = make("option", "", name);
            option.value = String(i);
            network.appendChild(option);
          });
        }, function () {
          loading = null;
          status.textContent = "The search could not load; the pages below list every show.";
        });
      }
      return loading;
    }

    function page() {
      var at = clock();
      var added = results.slice(shown, shown + ROWS_PER_PAGE).map(function (show) {
        var li = catalogueRow(show, data.networks, form.getAttribute("data-root"), bundle.enabled, bundle.picks);
        rowNext(li, at, kind.value);
        list.appendChild(li);
        return li;
      });
      shown += added.length;
      more.hidden = shown >= results.length;
      more.textContent = "Show " + Math.min(ROWS_PER_PAGE, results.length - shown) + " more";
      return added;
    }

    function run() {
      if (!data) return;
      var words = fold(query.value.trim());
      var net = network.value === "" ? null : +network.value;
      var wanted = kind.value;
      if (!words && net === null && !wanted) {
        list.textContent = "";
        first.forEach(function (li) { list.appendChild(li); });
        status.textContent = firstStatus;
        more.hidden = true;
        return;
      }
      var at = clock();
      results = data.shows.filter(function (show, i) {
        if (words && data.folded[i].indexOf(words) < 0) return false;
        if (net !== null && show[2] !== net) return false;
        return !wanted || nextOf(decodeEvents(show[3]), at, wanted) !== null;
      });
      list.textContent = "";
      shown = 0;
      page();
      var count = results.length.toLocaleString(LOCALE);
      status.textContent = results.length === 1 ? "1 show matches." : count + " shows match.";
    }

    form.addEventListener("focusin", load);
    form.addEventListener("pointerdown", load);
    form.addEventListener("input", function () { load().then(run); });
    form.addEventListener("change", function () { load().then(run); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      load().then(run);
    });
    more.addEventListener("click", function () {
      var added = page();
      if (added.length) added[0].querySelector("a").focus();
    });
  }

  // --- Bundles: picks from any page, kept for the visit -------------------------------------------------

  function bundles() {
    var form = byId("bundle-form");
    var state = { enabled: !!form, picks: new Map() };
    if (!form) return state;
    var list = byId("bundle-picks");
    var help = byId("bundle-help");
    var KEY = "showcal-bundle";
    try {
      JSON.parse(sessionStorage.getItem(KEY) || "[]").forEach(function (pick) { state.picks.set(pick[0], pick[1]); });
    } catch (e) { /* no storage: picks last as long as the page */ }

    function save() {
      try { sessionStorage.setItem(KEY, JSON.stringify(Array.from(state.picks.entries()))); } catch (e) { /* as above */ }
    }

    function render() {
      list.textContent = "";
      state.picks.forEach(function (title, slug) {
        var li = make("li", "", title);
        var remove = make("button", "", "Remove");
        remove.type = "button";
        remove.appendChild(hiddenText(" " + title));
        remove.addEventListener("click", function () {
          state.picks.delete(slug);
          document.querySelectorAll("input[name=show][value='" + slug + "']").forEach(function (box) { box.checked = false; });
          save();
          render();
        });
        li.appendChild(remove);
        list.appendChild(li);
      });
      list.hidden = state.picks.size === 0;
      var n = state.picks.size;
      help.textContent = n === 0 ? "Tick “Bundle” beside two or more shows, then make one calendar of them."
        : n === 1 ? "1 show ticked; tick at least one more." : n + " shows ticked; search for more or make the calendar.";
    }

    document.querySelectorAll("input[name=show][form=bundle-form]").forEach(function (box) {
      box.checked = state.picks.has(box.value);
    });
    document.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.matches || !box.matches("input[name=show][form=bundle-form]")) return;
      if (box.checked) state.picks.set(box.value, box.getAttribute("data-title") || box.value);
      else state.picks.delete(box.value);
      save();
      render();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (state.picks.size < 2) {
        help.textContent = "Tick at least two shows for one calendar.";
        return;
      }
      var params = new URLSearchParams();
      state.picks.forEach(function (title, slug) { params.append("show", slug); });
      window.location.href = form.getAttribute("action") + "?" + params.toString();
    });
    render();
    return state;
  }

  // --- The month view: the reader's month first, one month at a time -------------------------------------------

  function firstWeekday() {
    try {
      var locale = new Intl.Locale(navigator.language || LOCALE);
      var info = locale.getWeekInfo ? locale.getWeekInfo() : locale.weekInfo;
      if (info && info.firstDay) return info.firstDay % 7;
    } catch (e) { /* older browsers: Monday */ }
    return 1;
  }

  function monthView() {
    var section = byId("months");
    var tables = byId("month-tables");
    if (!section || !tables) return;
    var byDay = {};
    var keys = [];
    document.querySelectorAll("#upcoming-events > li, #past-events > li").forEach(function (li) {
      var entry = {
        title: li.querySelector(".title-text").textContent,
        href: "#" + li.id,
        inactive: !!INACTIVE[li.getAttribute("data-status")],
      };
      var add = function (day) {
        if (!byDay[day]) { byDay[day] = []; keys.push(day); }
        byDay[day].push(entry);
      };
      if (li.getAttribute("data-end")) {
        add(localDay(new Date(li.querySelector("time.when").getAttribute("datetime"))));
      } else {
        var day = dayDate(li.getAttribute("data-first"));
        var last = li.getAttribute("data-last");
        while (isoDay(day) <= last) {
          add(isoDay(day));
          day = new Date(day.getTime() + 86400000);
        }
      }
    });
    var months = Array.from(new Set(keys.map(function (k) { return k.slice(0, 7); }))).sort();
    var firstDay = firstWeekday();
    var now = new Date();
    var today = localDay(now);
    var shown = { year: now.getFullYear(), month: now.getMonth() };

    var view = make("div", "month-view");
    view.id = "month-view";
    var nav = make("div", "month-nav");
    var prev = make("button", "button");
    prev.type = "button";
    prev.id = "month-prev";
    var title = make("h3");
    title.id = "month-title";
    title.setAttribute("aria-live", "polite");
    var next = make("button", "button");
    next.type = "button";
    next.id = "month-next";
    nav.appendChild(prev);
    nav.appendChild(title);
    nav.appendChild(next);
    var table = make("table", "month");
    table.id = "month-grid";
    var empty = make("p", "month-empty");
    empty.id = "month-empty";
    var agenda = make("ul", "month-agenda");
    agenda.id = "month-agenda";
    view.appendChild(nav);
    view.appendChild(table);
    view.appendChild(empty);
    view.appendChild(agenda);

    function monthKey(year, month) { return year + "-" + pad(month + 1); }

    function step(delta) {
      var d = new Date(Date.UTC(shown.year, shown.month + delta, 1));
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() };
    }

    function draw() {
      var start = new Date(Date.UTC(shown.year, shown.month, 1));
      var name = format("month").format(start);
      title.textContent = name;
      var before = step(-1);
      var after = step(1);
      prev.textContent = "‹ " + format("monthShort").format(new Date(Date.UTC(before.year, before.month, 1)));
      next.textContent = format("monthShort").format(new Date(Date.UTC(after.year, after.month, 1))) + " ›";

      table.textContent = "";
      table.appendChild(make("caption", "", name));
      var head = make("thead");
      var headRow = make("tr");
      for (var i = 0; i < 7; i++) {
        var weekday = new Date(Date.UTC(2023, 0, 1 + ((firstDay + i) % 7))); // 1 January 2023 was a Sunday
        var th = make("th");
        th.scope = "col";
        var abbr = make("abbr", "", format("weekday").format(weekday));
        abbr.title = format("weekdayLong").format(weekday);
        th.appendChild(abbr);
        headRow.appendChild(th);
      }
      head.appendChild(headRow);
      table.appendChild(head);
      var body = make("tbody");
      var lead = (start.getUTCDay() - firstDay + 7) % 7;
      var days = new Date(Date.UTC(shown.year, shown.month + 1, 0)).getUTCDate();
      var row = null;
      agenda.textContent = "";
      var count = 0;
      for (var cell = 0; cell < Math.ceil((lead + days) / 7) * 7; cell++) {
        if (cell % 7 === 0) {
          row = make("tr");
          body.appendChild(row);
        }
        var number = cell - lead + 1;
        var td = make("td");
        row.appendChild(td);
        if (number < 1 || number > days) {
          td.className = "outside";
          continue;
        }
        var key = monthKey(shown.year, shown.month) + "-" + pad(number);
        td.appendChild(make("span", "day", String(number)));
        if (key === today) {
          td.classList.add("today");
          td.setAttribute("aria-current", "date");
          td.appendChild(hiddenText(" (today)"));
        }
        (byDay[key] || []).forEach(function (entry) {
          td.classList.add("has-events");
          var a = make("a", "month-event" + (entry.inactive ? " inactive" : ""), entry.title);
          a.href = entry.href;
          td.appendChild(a);
          var li = make("li", entry.inactive ? "inactive" : "");
          li.appendChild(make("span", "agenda-day", format("agendaDay").format(dayDate(key))));
          li.appendChild(document.createTextNode(" "));
          var link = make("a", "", entry.title);
          link.href = entry.href;
          li.appendChild(link);
          agenda.appendChild(li);
          count++;
        });
      }
      table.appendChild(body);
      agenda.setAttribute("aria-label", name);
      empty.textContent = "";
      if (!count) {
        var current = monthKey(shown.year, shown.month);
        var later = months.find(function (m) { return m > current; });
        var earlier = months.filter(function (m) { return m < current; }).pop();
        var target = later || earlier;
        empty.appendChild(document.createTextNode("No dates in " + name + ". "));
        if (target) {
          var jump = make("button", "button secondary");
          jump.type = "button";
          jump.id = "month-jump";
          var parts = target.split("-");
          jump.textContent = (later ? "Next dates: " : "Latest dates: ") +
            format("month").format(new Date(Date.UTC(+parts[0], +parts[1] - 1, 1)));
          jump.addEventListener("click", function () {
            shown = { year: +parts[0], month: +parts[1] - 1 };
            draw();
            title.focus();
          });
          empty.appendChild(jump);
        }
      }
      empty.hidden = count > 0;
    }

    title.tabIndex = -1;
    prev.addEventListener("click", function () { shown = step(-1); draw(); });
    next.addEventListener("click", function () { shown = step(1); draw(); });
    tables.hidden = true;
    section.appendChild(view);
    draw();
  }

  // --- The feed options: the Subscribe above follows them ----------------------------------------------------

  function optionsQuery(form) {
    var params = new URLSearchParams();
    var kinds = Array.prototype.map.call(form.querySelectorAll("input[name=kinds]:checked"), function (i) { return i.value; });
    if (kinds.length) params.set("kinds", kinds.join(","));
    ["past", "future"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (/^\d+$/.test(value)) params.set(name, value);
    });
    ["all_day", "utc", "spoiler_free"].forEach(function (name) {
      if (form.elements[name].checked) params.set(name, "1");
    });
    if (form.elements.reminder.value) params.set("reminder", form.elements.reminder.value);
    return params.toString();
  }

  function feedOptions() {
    var form = byId("feed-options");
    var block = byId("subscribe");
    if (!form || !block) return;
    var applied = byId("options-applied");
    var update = function () {
      // An out-of-range number would make an address the server refuses: keep the last good one until it is fixed.
      if (!form.checkValidity()) return;
      var query = optionsQuery(form);
      var found = fill(block, form.getAttribute("data-feed") + (query ? "?" + query : ""));
      if (applied) applied.hidden = !query;
      drawQr(found.webcal);
      var error = byId("feed-options-error");
      if (error) error.remove();
      history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    };
    form.addEventListener("change", update);
    form.addEventListener("input", update);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".subscribe[data-feed]").forEach(function (block) {
      var apple = byId(block.id + "-apple");
      if (apple && apple.getAttribute("href").indexOf("webcal:") !== 0) fill(block, block.getAttribute("data-feed"));
      else choose(block);
      if (block.id === "subscribe") drawQr((apple && apple.getAttribute("href")) || "");
    });
    document.querySelectorAll("a.subscribe-row[data-feed]").forEach(rowSubscribe);
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest(".copy-link");
      if (button) copy(button);
    });
    splitPast();
    nextUp();
    monthView();
    var at = clock();
    document.querySelectorAll(".show-row[data-events]").forEach(function (li) { rowNext(li, at, ""); });
    document.querySelectorAll("time.when").forEach(localise);
    catalogue(bundles());
    feedOptions();
  });
})();
