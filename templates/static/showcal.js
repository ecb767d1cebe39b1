// showcal pages: absolute subscribe links, past dates, copy buttons, the feed builder.
// Served from the site itself; nothing here talks to another host.
"use strict";

(function () {
  function absolute(href) {
    return new URL(href, document.baseURI).href;
  }

  function links(url, name) {
    var webcal = url.replace(/^https?:/, "webcal:");
    return {
      url: url,
      webcal: webcal,
      google: "https://calendar.google.com/calendar/render?cid=" + encodeURIComponent(webcal),
      outlook: "https://outlook.live.com/calendar/0/addfromweb?url=" + encodeURIComponent(url) +
        "&name=" + encodeURIComponent(name),
    };
  }

  // Fill one subscribe block's buttons from its (relative) feed address.
  function fill(block, href) {
    var prefix = block.id;
    var found = links(absolute(href), block.dataset.name || "");
    var set = function (suffix, attr, value) {
      var el = document.getElementById(prefix + suffix);
      if (el) el.setAttribute(attr, value);
    };
    block.dataset.feed = href;
    set("-apple", "href", found.webcal);
    set("-google", "href", found.google);
    set("-outlook", "href", found.outlook);
    set("-copy", "data-copy", found.url);
    set("-download", "href", href + (href.indexOf("?") < 0 ? "?" : "&") + "download=1");
    var input = document.getElementById(prefix + "-url");
    if (input) input.value = found.url;
  }

  function copy(button) {
    var status = document.getElementById(button.id.replace(/-copy$/, "-status"));
    var text = button.getAttribute("data-copy");
    var done = function (message) { if (status) status.textContent = message; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { done("Copied the address."); },
        function () { done("Could not copy; select the address and copy it."); }
      );
    } else {
      var input = document.getElementById(button.id.replace(/-copy$/, "-url"));
      if (input) { input.focus(); input.select(); }
      done("Press Ctrl+C (or Cmd+C) to copy the selected address.");
    }
  }

  function today() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  }

  // Move events that ended before the reader's today from Upcoming to Past.
  function splitPast() {
    var upcoming = document.getElementById("upcoming-events");
    var past = document.getElementById("past-events");
    if (!upcoming || !past) return;
    var day = today();
    var moved = Array.prototype.filter.call(upcoming.children, function (li) {
      return li.dataset.last && li.dataset.last < day;
    });
    var back = Array.prototype.filter.call(past.children, function (li) {
      return li.dataset.last && li.dataset.last >= day;
    });
    moved.forEach(function (li) { past.appendChild(li); });
    back.reverse().forEach(function (li) { upcoming.insertBefore(li, upcoming.firstChild); });
    document.getElementById("past").hidden = past.children.length === 0;
    document.getElementById("upcoming-empty").hidden = upcoming.children.length > 0;
  }

  // Static index pages carry each show's dates; show the next one by the reader's date.
  function nextDates() {
    var day = today();
    document.querySelectorAll(".next-date[data-dates]").forEach(function (p) {
      var pairs = p.dataset.dates.split(" ").filter(Boolean).map(function (s) { return s.split(":"); });
      var next = pairs.find(function (pair) { return pair[1] >= day; });
      var time = document.createElement("time");
      p.textContent = next ? "Next: " : "No upcoming dates.";
      if (next) {
        time.dateTime = next[0];
        time.textContent = new Date(next[0] + "T12:00:00").toLocaleDateString(undefined, {
          weekday: "short", day: "numeric", month: "long", year: "numeric",
        });
        p.appendChild(time);
      }
    });
  }

  function builderQuery(form) {
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

  function feedBuilder() {
    var form = document.getElementById("feed-builder");
    var result = document.getElementById("feed-builder-result");
    var block = document.getElementById("built");
    if (!form || !result || !block) return;
    var update = function () {
      var query = builderQuery(form);
      // An out-of-range number would make an address the server refuses: show none until it is fixed.
      result.hidden = !query || !form.checkValidity();
      fill(block, form.dataset.feed + (query ? "?" + query : ""));
    };
    form.addEventListener("change", update);
    form.addEventListener("input", update);
  }

  function bundleBuilder() {
    var form = document.getElementById("bundle-builder");
    var output = document.getElementById("bundle-url");
    if (!form || !output) return;
    form.addEventListener("change", function () {
      var slugs = Array.prototype.map.call(form.querySelectorAll("input[name=show]:checked"), function (i) { return i.value; });
      output.textContent = "";
      if (slugs.length < 2) { output.textContent = "Choose two or more shows."; return; }
      var url = absolute(form.dataset.base + slugs.join("+") + ".ics");
      var found = links(url, "Several shows");
      [["Apple Calendar", found.webcal, "bundle-apple"], ["Google Calendar", found.google, "bundle-google"],
        ["Outlook", found.outlook, "bundle-outlook"], [url, url, "bundle-link"]].forEach(function (item) {
        var a = document.createElement("a");
        a.textContent = item[0];
        a.href = item[1];
        a.id = item[2];
        a.className = "button";
        output.appendChild(a);
        output.appendChild(document.createTextNode(" "));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".subscribe[data-feed]").forEach(function (block) {
      var apple = document.getElementById(block.id + "-apple");
      if (apple && apple.getAttribute("href").indexOf("webcal:") !== 0) fill(block, block.dataset.feed);
    });
    document.querySelectorAll(".copy-link").forEach(function (button) {
      button.addEventListener("click", function () { copy(button); });
    });
    splitPast();
    nextDates();
    feedBuilder();
    bundleBuilder();
  });
})();
