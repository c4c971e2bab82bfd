/**
 * Checks in headless Chromium that every figure of an HTML file is drawn by Plotly: each
 * `div.exact-gn-plot` must contain Plotly's `svg.main-svg` after load (and no longer its static
 * PNG fallback, which the draw script replaces). Works on standalone pages
 * (toStandaloneHtml) and on `jupyter nbconvert --to html` exports of executed notebooks.
 *
 *   npx tsx scripts/check-html-render.ts out/notebooks/_smoke.html [more.html ...]
 *       [--screenshot out/shot.png] [--expect N] [--budget-ms 30000]
 *
 * How: the file is copied beside itself with two scripts added (an error recorder at the top, a
 * probe at the end that waits for the figures and writes a JSON report into the DOM), Chromium
 * runs it with --headless --dump-dom and a virtual-time budget, and the report is read back from
 * the dumped DOM. With --screenshot, the original file is also captured as a PNG (first file only).
 *
 *   npx tsx scripts/check-html-render.ts --untrusted out/notebooks/_smoke.untrusted.html
 *
 * checks a sanitized export (what a notebook reopened untrusted shows; run-notebooks.ts writes it):
 * there every figure must show its static PNG (img.exact-gn-plot-static, decoded by the browser).
 *
 *   npx tsx scripts/check-html-render.ts --notebook out/notebooks/_smoke.ipynb
 *
 * replays the HTML outputs of an executed notebook the way Jupyter front ends insert them, to check
 * that figures render when the notebook is reopened: `lab` (JupyterLab: innerHTML into a detached
 * node, scripts re-created, node attached), `lab-reverse` (the same, attached last-to-first, so later
 * figures run before the Plotly script) and `classic` (classic notebook: jQuery .append, using
 * Debian's libjs-jquery when present).
 * Needs Debian's chromium (`bash scripts/setup-chromium.sh`, or set CHROMIUM=/path).
 * Exit status: 0 when every file has at least one figure (or exactly --expect) and all rendered.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readNotebook, text } from './notebook-lib.js';

interface FigureReport {
  name: string;
  rendered: boolean;
  traces: number;
  note: string;
}
interface PageReport {
  figures: FigureReport[];
  errors: string[];
  plotly: string | null;
}

const REPORT_ID = 'exact-gn-render-report';

const ERROR_RECORDER = `<script>window.__exactGnErrors = [];
window.addEventListener("error", function (e) { window.__exactGnErrors.push(String(e.message) + " @" + (e.filename || "") + ":" + (e.lineno || "")); });
window.addEventListener("unhandledrejection", function (e) { window.__exactGnErrors.push("unhandled rejection: " + String(e.reason)); });
</script>`;

const probe = (waitMs: number): string => `<script>(function () {
  var t0 = Date.now(), untrusted = ${untrusted ? 'true' : 'false'};
  function report() {
    var figs = Array.prototype.map.call(document.querySelectorAll("div.exact-gn-plot"), function (d) {
      var note = d.querySelector(".exact-gn-plot-note");
      var img = d.querySelector("img.exact-gn-plot-static");
      var staticOk = !!(img && img.complete && img.naturalWidth > 0);
      return { name: d.getAttribute("data-figure") || d.id, rendered: untrusted ? staticOk : !!d.querySelector("svg.main-svg") && !img,
               traces: d.querySelectorAll("g.trace").length, note: note ? note.textContent : "" };
    });
    return { figures: figs, errors: window.__exactGnErrors || [], plotly: window.Plotly ? String(window.Plotly.version) : null };
  }
  function poll() {
    var r = report();
    var done = r.figures.every(function (f) { return f.rendered; });
    if (!done && Date.now() - t0 < ${waitMs}) { setTimeout(poll, 100); return; }
    var pre = document.createElement("pre");
    pre.id = "${REPORT_ID}";
    pre.textContent = encodeURIComponent(JSON.stringify(r));
    document.body.appendChild(pre);
  }
  if (document.readyState === "complete") poll(); else window.addEventListener("load", poll);
})();</script>`;

function findChromium(): string {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  console.error('check-html-render: chromium not found; install it with: bash scripts/setup-chromium.sh (or set CHROMIUM=/path/to/chrome)');
  process.exit(2);
}

function chromiumArgs(profileDir: string, budgetMs: number): string[] {
  return [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-default-apps', '--mute-audio', '--hide-scrollbars',
    '--allow-file-access-from-files', `--user-data-dir=${profileDir}`, `--virtual-time-budget=${budgetMs}`,
  ];
}

function runChromium(chromium: string, args: string[]): { stdout: string; stderr: string; status: number | null } {
  const profile = mkdtempSync(join(tmpdir(), 'exact-gn-chromium-'));
  try {
    const r = spawnSync(chromium, [...chromiumArgs(profile, budget), ...args], { encoding: 'utf8', timeout: 180_000, maxBuffer: 256 * 1024 * 1024 });
    return { stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`, status: r.status };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The file with the error recorder after <head> (or at the top) and the probe before </body> (or at the end). */
function instrument(html: string): string {
  const head = /<head[^>]*>/i.exec(html);
  const withRecorder = head ? html.slice(0, head.index + head[0].length) + ERROR_RECORDER + html.slice(head.index + head[0].length) : ERROR_RECORDER + html;
  const end = withRecorder.toLowerCase().lastIndexOf('</body>');
  return end < 0 ? withRecorder + probe(Math.max(1000, budget - 3000)) : withRecorder.slice(0, end) + probe(Math.max(1000, budget - 3000)) + withRecorder.slice(end);
}

function checkFile(chromium: string, file: string): PageReport | string {
  const probeFile = join(dirname(file), `.render-check-${process.pid}-${basename(file)}`);
  writeFileSync(probeFile, instrument(readFileSync(file, 'utf8')));
  try {
    const r = runChromium(chromium, ['--dump-dom', pathToFileURL(probeFile).href]);
    const m = new RegExp(`<pre id="${REPORT_ID}">([^<]*)</pre>`).exec(r.stdout);
    if (m === null) return `no report in the dumped DOM (chromium exit ${r.status}):\n${r.stderr.trim().split('\n').slice(-10).join('\n')}`;
    return JSON.parse(decodeURIComponent(m[1] as string)) as PageReport;
  } finally {
    rmSync(probeFile, { force: true });
  }
}

const JQUERY = '/usr/share/javascript/jquery/jquery.min.js';

/** Inline-script-safe JSON. */
function json(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A page that inserts the notebook's text/html outputs the way a Jupyter front end does. */
function replayPage(outputs: string[], mode: 'lab' | 'lab-reverse' | 'classic'): string {
  const jquery = mode === 'classic' ? `<script>${readFileSync(JQUERY, 'utf8')}</script>` : '';
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${mode} replay</title></head><body>
${jquery}<div id="notebook"></div>
<script>(function () {
  var outputs = ${json(outputs)}, mode = ${json(mode)};
  var nb = document.getElementById("notebook");
  if (mode === "classic") {
    outputs.forEach(function (html) {
      var toinsert = window.jQuery('<div class="output_subarea output_html rendered_html"/>');
      toinsert.append(html);            // detached: jQuery defers the scripts
      window.jQuery(nb).append(toinsert); // attached: jQuery evaluates them (DOMEval)
    });
    return;
  }
  var slots = outputs.map(function () { var s = document.createElement("div"); nb.appendChild(s); return s; });
  var hosts = outputs.map(function (html) {   // JupyterLab renderHTML + evalInnerHTMLScriptTags
    var host = document.createElement("div");
    host.innerHTML = html;
    Array.prototype.slice.call(host.getElementsByTagName("script")).forEach(function (old) {
      var s = document.createElement("script");
      for (var i = 0; i < old.attributes.length; i++) s.setAttribute(old.attributes[i].name, old.attributes[i].value);
      s.textContent = old.textContent;
      old.parentNode.replaceChild(s, old);
    });
    return host;
  });
  var order = hosts.map(function (_, i) { return i; });
  if (mode === "lab-reverse") order.reverse();
  order.forEach(function (i) { nb.replaceChild(hosts[i], slots[i]); });
})();</script>
</body></html>`;
}

/** Checks the replays of an executed notebook's HTML outputs; returns how many failed. */
function checkNotebook(chromium: string, file: string): { checked: number; bad: number } {
  const nb = readNotebook(file);
  const outputs = nb.cells.flatMap((c) => (c.outputs ?? []).map((o) => o.data?.['text/html']).filter((h) => h !== undefined).map((h) => text(h as string | string[])));
  const modes = (['lab', 'lab-reverse', 'classic'] as const).filter((m) => m !== 'classic' || existsSync(JQUERY));
  if (!existsSync(JQUERY)) console.log(`note: ${JQUERY} missing (apt-get install libjs-jquery); classic replay skipped`);
  let bad = 0;
  for (const mode of modes) {
    const page = join(dirname(file), `.replay-${process.pid}-${mode}-${basename(file, '.ipynb')}.html`);
    writeFileSync(page, replayPage(outputs, mode));
    try {
      if (!report(chromium, page, `${file} [${mode} replay]`, undefined)) bad++;
    } finally {
      rmSync(page, { force: true });
    }
  }
  return { checked: modes.length, bad };
}

function screenshot(chromium: string, file: string, png: string): void {
  const r = runChromium(chromium, [`--screenshot=${resolve(png)}`, '--window-size=1280,1800', pathToFileURL(file).href]);
  if (!existsSync(png)) console.error(`check-html-render: screenshot failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  else console.log(`screenshot: ${png}`);
}

let budget = 30_000;
/** --untrusted: the page is a sanitized export; a figure counts as shown when its static PNG loaded. */
let untrusted = false;

/** Checks one HTML file and prints the result; true when every figure rendered. */
function report(chromium: string, file: string, label: string, expect: number | undefined): boolean {
  if (!existsSync(file)) {
    console.log(`FAIL ${label}: no such file`);
    return false;
  }
  const t0 = Date.now();
  const r = checkFile(chromium, file);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (typeof r === 'string') {
    console.log(`FAIL ${label} (${secs}s): ${r}`);
    return false;
  }
  const drawn = r.figures.filter((f) => f.rendered).length;
  const ok = r.figures.length > 0 && drawn === r.figures.length && (expect === undefined || r.figures.length === expect);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label} (${secs}s): ${drawn}/${r.figures.length} figures ${untrusted ? 'shown as static images (untrusted)' : 'rendered'}, Plotly ${r.plotly ?? 'missing'}`);
  for (const f of r.figures) console.log(`     ${f.rendered ? '+' : '-'} ${f.name}: ${f.traces} traces${f.rendered ? '' : `; note: ${f.note}`}`);
  if (expect !== undefined && r.figures.length !== expect) console.log(`     expected ${expect} figures`);
  for (const e of r.errors) console.log(`     page error: ${e}`);
  return ok;
}

function main(): void {
  const argv = process.argv.slice(2);
  const files: string[] = [];
  const notebooks: string[] = [];
  let shot: string | undefined;
  let expect: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--screenshot') shot = argv[++i];
    else if (a === '--expect') expect = Number(argv[++i]);
    else if (a === '--budget-ms') budget = Number(argv[++i]);
    else if (a === '--untrusted') untrusted = true;
    else if (a === '--notebook') notebooks.push(resolve(argv[++i] ?? ''));
    else if (a.startsWith('--')) {
      console.error(`check-html-render: unknown option ${a}`);
      process.exit(2);
    } else files.push(resolve(a));
  }
  if (files.length === 0 && notebooks.length === 0) {
    console.error('usage: npx tsx scripts/check-html-render.ts file.html [...] [--untrusted] [--notebook executed.ipynb] [--screenshot shot.png] [--expect N] [--budget-ms 30000]');
    process.exit(2);
  }
  const chromium = findChromium();
  let bad = 0;
  let checked = files.length;
  for (const nbFile of notebooks) {
    const r = checkNotebook(chromium, nbFile);
    checked += r.checked;
    bad += r.bad;
  }
  for (const file of files) if (!report(chromium, file, file, expect)) bad++;
  if (shot !== undefined && files[0] !== undefined) screenshot(chromium, files[0], shot);
  console.log(`html render: ${checked - bad} passed, ${bad} failed`);
  process.exit(bad === 0 ? 0 : 1);
}

main();
