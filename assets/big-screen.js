/*
 * Maps that fit their box, and the big screen's clock.
 *
 * Plotly draws a map at the zoom the server chose and its labels in pixels. A figure whose
 * layout.meta carries `fit` ([west, south, east, north]) is re-centred and zoomed after every
 * draw so the region fills its box, whatever the screen; with `labels` (the label size at a
 * 1080-pixel-high canvas) its label text scales with the big screen's canvas, like the rest of
 * the wall's type. The server's figure never carries `fitted`, so each new figure is fitted once.
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

  function fit(gd) {
    var layout = gd.layout || {};
    var meta = layout.meta || {};
    var box = meta.fit;
    // the plot area, without the colour bar and margins
    var size = (gd._fullLayout && gd._fullLayout._size) || {};
    var w = size.w || gd.clientWidth;
    var h = size.h || gd.clientHeight;
    var subplot = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    var drawn = subplot && subplot.map;
    // only a map that is drawn and still on the page (not one being replaced or purged)
    if (!box || !layout.map || !drawn || !w || !h || !window.Plotly) return;
    if (!document.body.contains(gd)) return;
    var k = canvasScale(gd);
    var key = w + "x" + h + "@" + k.toFixed(3);
    if (meta.fitted === key) {
      // a relayout that arrives while the map is still loading its style can leave MapLibre
      // at the old view: move it there directly
      var want = gd._fullLayout.map;
      if (Math.abs(drawn.getZoom() - want.zoom) > 0.01) {
        drawn.jumpTo({ zoom: want.zoom, center: [want.center.lon, want.center.lat] });
      }
      var style = meta.labels && drawn.isStyleLoaded() && drawn.getStyle();
      if (style && style.layers) {
        var labelSize = Math.round(meta.labels * k);
        style.layers.forEach(function (layer) {
          if (
            layer.type === "symbol" &&
            drawn.getLayoutProperty(layer.id, "text-size") !== labelSize
          ) {
            drawn.setLayoutProperty(layer.id, "text-size", labelSize);
          }
        });
      }
      return;
    }
    var spanX = ((box[2] - box[0]) / 360) * TILE;
    var yN = mercatorY(box[3]);
    var yS = mercatorY(box[1]);
    var spanY = ((yN - yS) / (2 * Math.PI)) * TILE;
    var room = meta.room || 0.94;
    var zoom = Math.log2(Math.min((room * w) / spanX, (room * h) / spanY));
    var yMid = (yN + yS) / 2;
    var latMid = (Math.atan(Math.sinh(yMid)) * 180) / Math.PI;
    var update = {
      "meta.fitted": key,
      "map.zoom": zoom,
      "map.center": { lon: (box[0] + box[2]) / 2, lat: latMid },
    };
    if (meta.labels) {
      (layout.map.layers || []).forEach(function (layer, i) {
        if (layer.type === "symbol") {
          update["map.layers[" + i + "].symbol.textfont.size"] = Math.round(meta.labels * k);
        }
      });
    }
    var done = window.Plotly.relayout(gd, update);
    // a figure replaced while this relayout was under way is fitted on its own next draw
    if (done && done.catch) done.catch(function () {});
  }

  function watch() {
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      if (!gd._fitWatched && gd.on) {
        gd._fitWatched = true;
        gd.on("plotly_afterplot", function () {
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
