// The plotly.js the app's dcc.Graph figures need, defined as window.Plotly before Dash's
// renderer starts (dcc.Graph then uses it instead of fetching the full plotly.min.js).
//
// Trace types: scatter (in core), bar, heatmap and choroplethmap (MapLibre, for the maps of
// cities and counties). Core also brings layout templates, annotations, shapes, colour bars,
// legends, hover and the mode bar. A trace of another type would silently not be drawn: add
// its module here and rebuild (README.md beside this file); tests/pages/test_plotly_bundle.py
// fails when pages/ uses a trace type the built bundle lacks.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/choroplethmap'),
    require('plotly.js/lib/locales/zh-cn'),
]);

// Defaults for every graph unless its config says otherwise: Chinese mode bar tooltips and
// month and day names; no "Share chart..." button (it would post the chart's data to Plotly
// Cloud, which the app's Content-Security-Policy forbids and an offline site cannot reach).
Plotly.setPlotConfig({ locale: 'zh-CN', showSendToCloud: false });

window.Plotly = Plotly;
