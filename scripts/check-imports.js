#!/usr/bin/env node
/**
 * The import rules of the TypeScript tree, checked from the sources:
 *   - lib/ (the library) imports nothing from bench/ (the tool) or test/;
 *   - no import circle anywhere in lib/, bench/ and test/ (type-only imports count:
 *     they are what turns into a circle the day someone imports a value).
 * Prints every breach and exits 1; exits 0 with one line when the tree is clean.
 * Usage: node scripts/check-imports.js [root]
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
const TOP = ['lib', 'bench', 'test'];
/** Folders a lib/ file may not import from. */
const FORBIDDEN_FROM_LIB = ['bench', 'test'];

function listTs(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Comments out, strings kept: an import named in a comment is not an import. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

// import x from '...'; import type {x} from '...'; export {x} from '...'; export * from '...';
// import '...'; require('...'); import('...')
const SPECIFIERS = [
  /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

function importsOf(file) {
  const text = stripComments(fs.readFileSync(file, 'utf8'));
  const found = new Set();
  for (const re of SPECIFIERS) for (const m of text.matchAll(re)) found.add(m[1]);
  return [...found];
}

/** A relative specifier to the .ts file it names, or null (a package, a builtin, a .js helper). */
function resolveTs(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

const topOf = (file) => path.relative(root, file).split(path.sep)[0];
const rel = (file) => path.relative(root, file);

const files = TOP.filter((d) => fs.existsSync(path.join(root, d))).flatMap((d) => listTs(path.join(root, d)));
const graph = new Map();
const problems = [];
for (const file of files) {
  const edges = [];
  for (const spec of importsOf(file)) {
    const target = resolveTs(file, spec);
    if (spec.startsWith('.') && target === null && !/\.(js|json|node)$/.test(spec)) {
      problems.push(`${rel(file)}: cannot resolve '${spec}'`);
    }
    const targetTop = target === null ? topOf(path.resolve(path.dirname(file), spec)) : topOf(target);
    if (topOf(file) === 'lib' && spec.startsWith('.') && FORBIDDEN_FROM_LIB.includes(targetTop)) {
      problems.push(`${rel(file)}: lib/ imports from ${targetTop}/ ('${spec}'); lib/ is the library and never depends on the tool`);
    }
    if (target !== null) edges.push(target);
  }
  graph.set(file, edges);
}

// Tarjan's strongly connected components: every component of more than one file,
// or a file importing itself, is a circle.
let index = 0;
const indices = new Map();
const lowlink = new Map();
const onStack = new Set();
const stack = [];
const circles = [];
function connect(v) {
  indices.set(v, index);
  lowlink.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!indices.has(w)) {
      connect(w);
      lowlink.set(v, Math.min(lowlink.get(v), lowlink.get(w)));
    } else if (onStack.has(w)) {
      lowlink.set(v, Math.min(lowlink.get(v), indices.get(w)));
    }
  }
  if (lowlink.get(v) === indices.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) circles.push(component);
  }
}
for (const file of graph.keys()) if (!indices.has(file)) connect(file);

/** One concrete loop through a component, for the message. */
function loopIn(component) {
  const members = new Set(component);
  const start = component[component.length - 1];
  const seen = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const loop = [v];
        for (let u = seen.get(v); u !== null; u = seen.get(u)) loop.unshift(u);
        return [...loop, start].map(rel).join(' -> ');
      }
      if (!seen.has(w)) {
        seen.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.map(rel).join(', ');
}
for (const component of circles) problems.push(`import circle: ${loopIn(component)}`);

if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`check-imports: ${p}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`check-imports: ${files.length} files, no circle, lib/ imports nothing from ${FORBIDDEN_FROM_LIB.join('/ or ')}/\n`);
}
