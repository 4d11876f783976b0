/*
 * Maps that fit their box, and the big screen's clock.
 *
 * Plotly draws a map at the zoom the server chose and its labels in pixels. A figure whose
 * layout.meta carries `fit` ([west, south, east, north]) has its MapLibre view moved so the
 * region fills the plot area, whatever the screen; with `labels` (the label size on a
 * 1080-pixel-high canvas) its label text scales with the big screen's canvas, like the rest of
 * the wall's type. The map is moved through MapLibre itself, never through a Plotly relayout,
 * so a figure replaced mid-way (a page change, a new layer) has nothing in flight. Each draw
 * (and each new size) is fitted once, and the graph element says so in `data-fitted`; a map
 * the user moves afterwards stays where they moved it.
 */
(function () {
  "use strict";

  var TILE = 512; // MapLibre's world width in pixels at zoom 0

  function mercatorY(lat) {
    var phi = (lat * Math.PI) / 180;
    return Math.log(Math.tan(Math.PI / 4 + phi / 2));
  }

  function canvasScale(gd) {
    var canvas = gd.closest(".big-canvas");
    return canvas ? canvas.clientHeight / 1080 : 1;
  }

  function view(box, w, h, room) {
    var spanX = ((box[2] - box[0]) / 360) * TILE;
    var yN = mercatorY(box[3]);
    var yS = mercatorY(box[1]);
    var spanY = ((yN - yS) / (2 * Math.PI)) * TILE;
    var latMid = (Math.atan(Math.sinh((yN + yS) / 2)) * 180) / Math.PI;
    return {
      zoom: Math.log2(Math.min((room * w) / spanX, (room * h) / spanY)),
      center: [(box[0] + box[2]) / 2, latMid],
    };
  }

  function fit(gd) {
    var meta = (gd.layout && gd.layout.meta) || {};
    if (!meta.fit || !document.body.contains(gd)) return;
    var full = gd._fullLayout;
    var subplot = full && full.map && full.map._subplot;
    var map = subplot && subplot.map;
    if (!map || !map.isStyleLoaded || !map.isStyleLoaded()) return;
    var size = full._size || {};
    var w = size.w || gd.clientWidth;
    var h = size.h || gd.clientHeight;
    if (!w || !h) return;
    var k = canvasScale(gd);
    var key = w + "x" + h + "@" + k.toFixed(3);
    // once per draw and size: a map the user has since moved stays where they moved it
    if (gd.dataset.fitted === key) return;
    var want = view(meta.fit, w, h, meta.room || 0.94);
    try {
      var now = map.getCenter();
      if (
        Math.abs(map.getZoom() - want.zoom) > 0.01 ||
        Math.abs(now.lng - want.center[0]) > 0.01 ||
        Math.abs(now.lat - want.center[1]) > 0.01
      ) {
        map.jumpTo({ zoom: want.zoom, center: want.center });
      }
      if (meta.labels) {
        var labelSize = Math.round(meta.labels * k);
        var style = map.getStyle();
        ((style && style.layers) || []).forEach(function (layer) {
          if (
            layer.type === "symbol" &&
            map.getLayoutProperty(layer.id, "text-size") !== labelSize
          ) {
            map.setLayoutProperty(layer.id, "text-size", labelSize);
          }
        });
      }
      gd.dataset.fitted = key;
    } catch (err) {
      // the map is being replaced: its successor is fitted when it has drawn
    }
  }

  function watch() {
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      if (!gd._fitWatched && gd.on) {
        gd._fitWatched = true;
        gd.on("plotly_afterplot", function () {
          delete gd.dataset.fitted;
          fit(gd);
        });
      }
      fit(gd);
    });
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tick() {
    var clock = document.getElementById("big-clock");
    if (clock) {
      var d = new Date();
      var week = "日一二三四五六".charAt(d.getDay());
      clock.textContent =
        d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日 星期" + week +
        " " + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    }
  }

  setInterval(watch, 400);
  setInterval(tick, 1000);
})();
