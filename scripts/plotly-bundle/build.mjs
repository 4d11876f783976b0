// Builds ../../assets/vendor/plotly/plotly-databrain.min.js from entry.js with the options
// plotly.js's own dist build uses (its esbuild-config.js), minified. The first line of the
// output names the plotly.js version and the trace types entry.js registers; the app's tests
// read it (tests/pages/test_plotly_bundle.py).
import { readFile } from 'node:fs/promises';
import * as esbuild from 'esbuild';

// MapLibre's stylesheet goes into the bundle and is added to <head> when the bundle runs, as
// in plotly.js's dist files (there: esbuild-plugin-inline-css)
const inlineCss = {
    name: 'inline-css',
    setup(build) {
        build.onLoad({ filter: /\.css$/ }, async (args) => {
            const css = await readFile(args.path, 'utf8');
            const id = JSON.stringify('plotly-css-' + args.path.split('node_modules/').pop());
            return {
                loader: 'js',
                contents: `if (!document.getElementById(${id})) {
    var style = document.createElement('style');
    style.id = ${id};
    style.textContent = ${JSON.stringify(css)};
    document.head.appendChild(style);
}`,
            };
        });
    },
};

const here = (name) => new URL(name, import.meta.url);
const { version } = JSON.parse(await readFile(here('node_modules/plotly.js/package.json'), 'utf8'));
const entry = await readFile(here('entry.js'), 'utf8');
// scatter is part of plotly.js/lib/core; the others are the lib/<trace> modules entry.js requires
const traces = ['scatter'].concat(
    [...entry.matchAll(/require\('plotly\.js\/lib\/([a-z0-9]+)'\)/g)]
        .map((m) => m[1])
        .filter((name) => name !== 'core'),
);
const locales = [...entry.matchAll(/require\('plotly\.js\/lib\/locales\/([a-z-]+)'\)/g)].map(
    (m) => m[1],
);

await esbuild.build({
    entryPoints: [here('entry.js').pathname],
    outfile: here('../../assets/vendor/plotly/plotly-databrain.min.js').pathname,
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'es2016',
    legalComments: 'eof',
    banner: {
        js:
            `/* plotly.js v${version} partial bundle; traces: ${traces.join(' ')}; ` +
            `locales: ${locales.join(' ')}. MIT, Copyright 2012-2026 Plotly, Inc.; ` +
            'MapLibre GL JS: BSD-3-Clause. Built by scripts/plotly-bundle. */',
    },
    plugins: [inlineCss],
    alias: { regl: '@plotly/regl' },
    define: { global: 'window', 'define.amd': 'false' },
    logLevel: 'info',
});
