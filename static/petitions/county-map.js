/* California's 58 counties, shaded, from the table beside them.
 *
 * Markup (templates/dashboard/_county_map.html, templates/petitions/_county_map.html):
 *   <figure class="county-map" data-topology="URL of the California TopoJSON"
 *           data-table="id of the table" data-thresholds="700,800,900">
 *     <div class="county-map-canvas"></div>
 *     <ul class="county-map-legend"><li data-band="none">...</li><li data-band="0">...</li>...</ul>
 *     <table id="..."><thead>...</thead><tbody>
 *       <tr data-code="34" data-value="912" data-href="#county-34"><th scope="row">Sacramento</th><td>...</td>...
 *
 * The table is the truth and the screen readers' version: each county's shape is a link
 * (data-href) whose label and tooltip are its row's headers and cells, and its band is
 * how many thresholds its data-value reaches (no value: the "none" band). Shapes come
 * from us-atlas (tools/extract_california_counties.py), turned into GeoJSON by
 * topojson-client and drawn by d3-geo in California's own Albers projection (EPSG:3310's
 * parallels and meridian). Each band has a colour and a texture, so that the shading
 * does not rest on colour alone; the legend shows both.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 400;
  // Light to dark, and a texture per band: plain, dots, vertical lines, a grid.
  var BANDS = [
    { fill: "#c6dbef", ink: "#08306b", texture: "plain" },
    { fill: "#6baed6", ink: "#08306b", texture: "dots" },
    { fill: "#2171b5", ink: "#ffffff", texture: "lines" },
    { fill: "#08306b", ink: "#ffffff", texture: "grid" },
  ];
  var NONE = { fill: "#f8f9fa", ink: "#adb5bd", texture: "hatch" };

  function el(name, attributes) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    return node;
  }

  function pattern(id, band) {
    var p = el("pattern", { id: id, width: 6, height: 6, patternUnits: "userSpaceOnUse" });
    p.appendChild(el("rect", { width: 6, height: 6, fill: band.fill }));
    var ink = { stroke: band.ink, "stroke-width": 1, fill: "none" };
    if (band.texture === "dots") {
      p.appendChild(el("circle", { cx: 3, cy: 3, r: 1.1, fill: band.ink }));
    } else if (band.texture === "lines") {
      p.appendChild(el("path", Object.assign({ d: "M3,0V6" }, ink)));
    } else if (band.texture === "grid") {
      p.appendChild(el("path", Object.assign({ d: "M3,0V6M0,3H6" }, ink)));
    } else if (band.texture === "hatch") {
      p.appendChild(el("path", Object.assign({ d: "M0,6L6,0M-1,1L1,-1M5,7L7,5" }, ink)));
    }
    return p;
  }

  function bandOf(value, thresholds) {
    if (value === "" || value === undefined || value === null || isNaN(Number(value))) return "none";
    var number = Number(value);
    return String(thresholds.filter(function (t) { return number >= t; }).length);
  }

  function rowText(row, headers) {
    // "Sacramento" and [["Valid", "1,234"], ...] from the row and its column headers.
    var cells = Array.prototype.slice.call(row.cells);
    var name = cells[0].textContent.trim();
    var pairs = cells.slice(1).map(function (cell, i) {
      return [headers[i + 1] || "", cell.textContent.trim().replace(/\s+/g, " ")];
    });
    return { name: name, pairs: pairs };
  }

  function draw(figure, topology) {
    var table = document.getElementById(figure.dataset.table);
    var canvas = figure.querySelector(".county-map-canvas");
    if (!table || !canvas) return;
    var thresholds = (figure.dataset.thresholds || "").split(",").filter(Boolean).map(Number);
    var headers = Array.prototype.map.call(table.tHead.rows[0].cells, function (cell) {
      return cell.textContent.trim();
    });
    var rows = {};
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      if (row.dataset.code) rows[row.dataset.code] = row;
    });

    var counties = topojson.feature(topology, topology.objects.counties);
    var projection = d3.geoConicEqualArea().parallels([34, 40.5]).rotate([120, 0]).fitWidth(WIDTH, counties);
    var path = d3.geoPath(projection);
    var height = Math.ceil(path.bounds(counties)[1][1]);

    var prefix = (figure.id || "county-map") + "-";
    var svg = el("svg", {
      viewBox: "0 0 " + WIDTH + " " + height,
      role: "group",
      "aria-label": figure.dataset.label || "Map of California's counties: each county links to its row",
    });
    var defs = el("defs");
    BANDS.forEach(function (band, i) { defs.appendChild(pattern(prefix + "band-" + i, band)); });
    defs.appendChild(pattern(prefix + "band-none", NONE));
    svg.appendChild(defs);

    var tip = document.createElement("div");
    tip.className = "county-map-tip";
    tip.setAttribute("aria-hidden", "true"); // the link's label says the same to a screen reader
    tip.hidden = true;

    var shapes = el("g", { class: "county-map-shapes" });
    var highlight = el("path", { class: "county-map-highlight", d: "" });
    var features = counties.features.slice().sort(function (a, b) {
      return a.properties.code < b.properties.code ? -1 : 1; // tab order: the table's order
    });

    function show(feature, anchor) {
      var row = rows[feature.properties.code];
      var text = rowText(row, headers);
      highlight.setAttribute("d", anchor.firstChild.getAttribute("d"));
      tip.textContent = "";
      var title = document.createElement("strong");
      title.textContent = text.name;
      tip.appendChild(title);
      var list = document.createElement("dl");
      text.pairs.forEach(function (pair) {
        var dt = document.createElement("dt");
        dt.textContent = pair[0];
        var dd = document.createElement("dd");
        dd.textContent = pair[1];
        list.appendChild(dt);
        list.appendChild(dd);
      });
      tip.appendChild(list);
      tip.dataset.code = feature.properties.code;
      tip.hidden = false;
      // Beside the county's centre, kept inside the map.
      var centre = path.centroid(feature);
      var box = canvas.getBoundingClientRect();
      var scale = box.width / WIDTH;
      var x = centre[0] * scale;
      var y = centre[1] * scale;
      var left = Math.max(0, Math.min(x + 12, box.width - tip.offsetWidth));
      if (x + 12 + tip.offsetWidth > box.width) left = Math.max(0, x - 12 - tip.offsetWidth);
      var top = Math.max(0, Math.min(y - tip.offsetHeight / 2, box.height - tip.offsetHeight));
      tip.style.left = left + "px";
      tip.style.top = top + "px";
    }

    function hide(code) {
      if (code === undefined || tip.dataset.code === code) {
        tip.hidden = true;
        highlight.setAttribute("d", "");
      }
    }

    features.forEach(function (feature) {
      var code = feature.properties.code;
      var row = rows[code];
      if (!row) return;
      var text = rowText(row, headers);
      var band = bandOf(row.dataset.value, thresholds);
      var anchor = el("a", {
        href: row.dataset.href || "#" + row.id,
        class: "county-map-county",
        "data-code": code,
        "data-band": band,
        "aria-label": text.name + ": " + text.pairs.map(function (p) { return p[0] + " " + p[1]; }).join("; "),
      });
      anchor.appendChild(el("path", { d: path(feature), fill: "url(#" + prefix + "band-" + band + ")" }));
      anchor.addEventListener("focus", function () { show(feature, anchor); });
      anchor.addEventListener("mouseenter", function () { show(feature, anchor); });
      anchor.addEventListener("blur", function () { hide(code); });
      anchor.addEventListener("mouseleave", function () {
        if (document.activeElement !== anchor) hide(code);
      });
      anchor.addEventListener("click", function () {
        // The row may sit in a closed <details>: open it so that the browser can scroll to it.
        var target = document.getElementById((anchor.getAttribute("href") || "").slice(1));
        var details = target && target.closest("details");
        if (details) details.open = true;
        if (target) {
          target.setAttribute("tabindex", "-1");
          window.requestAnimationFrame(function () { target.focus({ preventScroll: true }); });
        }
      });
      shapes.appendChild(anchor);
    });
    svg.appendChild(shapes);
    svg.appendChild(highlight);
    canvas.appendChild(svg);
    canvas.appendChild(tip);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") hide();
    });

    // The legend's swatches: the same fills as the map's.
    Array.prototype.forEach.call(figure.querySelectorAll(".county-map-legend [data-band]"), function (item) {
      var swatch = el("svg", { width: 18, height: 14, "aria-hidden": "true", class: "county-map-swatch" });
      swatch.appendChild(el("rect", {
        width: 18, height: 14, fill: "url(#" + prefix + "band-" + item.dataset.band + ")", stroke: "#495057",
      }));
      item.insertBefore(swatch, item.firstChild);
    });
    figure.classList.add("county-map-ready");
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".county-map[data-topology]"), function (figure) {
      fetch(figure.dataset.topology, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("county shapes: HTTP " + response.status);
          return response.json();
        })
        .then(function (topology) { draw(figure, topology); })
        .catch(function (error) {
          figure.classList.add("county-map-failed");
          if (window.console) window.console.error(error);
        });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
