#!/usr/bin/env node
/*
 * Renders report pages in a real browser (headless Chromium) and fails on what
 * a reader would see broken: a script error, an element wider than the page
 * (outside a box that scrolls), an empty SVG. Saves a full-page screenshot of
 * each page for a person to look at.
 *
 *   node scripts/browser-check.js --shots DIR FILE_OR_DIR...
 *
 * A directory stands for its *.html and *.svg files. An SVG file is checked
 * inside a page of its own. Exit code 0: all clean; 1: problems (listed);
 * 2: bad arguments or no browser. The checker is injected into a temporary
 * copy of each page; the files themselves are left as they are.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { basename, dirname, join, resolve } = require('node:path');

const WIDTH = 1280;
const MAX_HEIGHT = 16000;

function findBrowser() {
  for (const b of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (b && (() => { try { return statSync(b).isFile(); } catch { return false; } })()) return b;
  }
  return null;
}

/** Runs before anything else on the page: collects script errors. */
const HEAD_HOOK = `<script>window.__errors=[];addEventListener('error',function(e){__errors.push(String(e.message||e.type)+(e.filename?' at '+e.filename+':'+e.lineno:''))},true);addEventListener('unhandledrejection',function(e){__errors.push('unhandled rejection: '+String(e.reason))});</script>`;

/** Runs last: measures the laid-out page and writes what it found into the DOM, for --dump-dom. */
const BODY_CHECK = `<script>(function(){
var out={errors:window.__errors||[],wide:[],emptySvgs:[],svgs:0,height:0};
var vw=document.documentElement.clientWidth;
function scrolls(el){for(var p=el.parentElement;p&&p!==document.body;p=p.parentElement){var s=getComputedStyle(p);if((s.overflowX==='auto'||s.overflowX==='scroll'||s.overflowX==='hidden')&&p.getBoundingClientRect().right<=vw+1)return true;}return false;}
function name(el){return el.tagName.toLowerCase()+(el.id?'#'+el.id:'')+(el.className&&typeof el.className==='string'?'.'+el.className.split(' ').join('.'):'')+' "'+(el.textContent||'').trim().slice(0,40)+'"';}
var all=document.body.getElementsByTagName('*');
for(var i=0;i<all.length;i++){var el=all[i];if(el.closest('svg')&&el.tagName.toLowerCase()!=='svg')continue;var r=el.getBoundingClientRect();var pr=el.parentElement&&el.parentElement!==document.body?el.parentElement.getBoundingClientRect():null;if(r.width>0&&r.right>vw+1&&!(pr&&pr.right>vw+1)&&!scrolls(el))out.wide.push(name(el)+' right edge '+Math.round(r.right)+' > '+vw);}
if(document.documentElement.scrollWidth>vw+1)out.wide.push('the page scrolls sideways: '+document.documentElement.scrollWidth+' > '+vw);
var svgs=document.getElementsByTagName('svg');out.svgs=svgs.length;
for(var j=0;j<svgs.length;j++){var s=svgs[j];var r2=s.getBoundingClientRect();var marks=s.querySelectorAll('path,line,circle,polygon,polyline,text,rect').length;var t=s.querySelector('title');if(r2.width<10||r2.height<10||marks<4)out.emptySvgs.push((t?t.textContent:'svg #'+j)+' ('+Math.round(r2.width)+'x'+Math.round(r2.height)+', '+marks+' marks)');}
out.height=Math.ceil(document.documentElement.scrollHeight);
var pre=document.createElement('pre');pre.id='__browser_check';pre.style.display='none';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);
})();</script>`;

function instrument(html) {
  const withHead = /<head>/i.test(html) ? html.replace(/<head>/i, (m) => m + HEAD_HOOK) : HEAD_HOOK + html;
  return /<\/body>/i.test(withHead) ? withHead.replace(/<\/body>(?![\s\S]*<\/body>)/i, BODY_CHECK + '</body>') : withHead + BODY_CHECK;
}

/** An SVG file as a page: the image inline, at its own size. */
function svgPage(file) {
  const svg = readFileSync(file, 'utf8').replace(/<\?xml[^>]*>/, '');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${basename(file)}</title><style>body{margin:8px;background:#fff}</style></head><body>${svg}</body></html>`;
}

function chromium(browser, args) {
  return execFileSync(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--mute-audio', ...args], {
    encoding: 'utf8',
    timeout: 90_000,
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

function checkPage(browser, file, work, shots) {
  const html = file.endsWith('.svg') ? svgPage(file) : readFileSync(file, 'utf8');
  const page = join(work, `${basename(file)}.check.html`);
  writeFileSync(page, instrument(html));
  const url = `file://${page}`;
  const dom = chromium(browser, [`--window-size=${WIDTH},900`, '--dump-dom', url]);
  const m = /<pre id="__browser_check"[^>]*>([\s\S]*?)<\/pre>/.exec(dom);
  if (!m) return { problems: ['the check did not run (the page did not load, or a script stopped it)'], shot: null };
  const found = JSON.parse(m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  const problems = [
    ...found.errors.map((e) => `script error: ${e}`),
    ...found.wide.map((w) => `wider than the page: ${w}`),
    ...found.emptySvgs.map((s) => `empty SVG: ${s}`),
  ];
  if (file.endsWith('.html') && found.svgs === 0 && /<svg/i.test(html)) problems.push('SVGs in the file, none rendered');
  let shot = null;
  if (shots) {
    shot = join(shots, `${basename(dirname(file))}-${basename(file).replace(/\.(html|svg)$/, '')}${file.endsWith('.svg') ? '-svg' : ''}.png`);
    const height = Math.min(MAX_HEIGHT, Math.max(200, found.height + 16));
    chromium(browser, [`--window-size=${WIDTH},${height}`, `--screenshot=${shot}`, `file://${page}`]);
  }
  return { problems, shot };
}

function main(argv) {
  let shots = null;
  const inputs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--shots') shots = argv[++i];
    else if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write('usage: node scripts/browser-check.js [--shots DIR] FILE_OR_DIR...\n');
      return 0;
    } else inputs.push(argv[i]);
  }
  if (inputs.length === 0 || (shots !== null && !shots)) {
    process.stderr.write('usage: node scripts/browser-check.js [--shots DIR] FILE_OR_DIR...\n');
    return 2;
  }
  const browser = findBrowser();
  if (!browser) {
    process.stderr.write('browser-check: no Chromium found (install the chromium package, or set CHROMIUM)\n');
    return 2;
  }
  const files = [];
  for (const input of inputs) {
    const p = resolve(input);
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (/\.(html|svg)$/.test(f)) files.push(join(p, f));
    } else files.push(p);
  }
  if (shots) mkdirSync(shots, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'frontswap-browser-'));
  let bad = 0;
  try {
    for (const f of files) {
      const { problems, shot } = checkPage(browser, f, work, shots && resolve(shots));
      if (problems.length > 0) bad++;
      process.stdout.write(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${f}${shot ? ` → ${shot}` : ''}\n`);
      for (const p of problems) process.stdout.write(`     ${p}\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`browser-check: ${files.length} pages, ${bad} with problems\n`);
  return bad === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
