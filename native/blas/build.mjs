#!/usr/bin/env node
// Builds odelab's optional native matrix kernels (OpenBLAS GEMM through Node-API),
// run by `npm install` / `npm ci` (the package's install script) and by hand with
// `npm run build:kernels`. It never fails the install: without a C compiler,
// OpenBLAS's headers (Debian: libopenblas-dev) or node-gyp, it prints why and
// leaves odelab on its JavaScript/wasm kernels. ODELAB_KERNELS=js skips the build.
// See docs/kernels.md.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const note = (m) => console.log(`odelab kernels: ${m}`);

if (process.env.ODELAB_KERNELS === 'js') {
  note('ODELAB_KERNELS=js: native add-on not built (JavaScript/wasm kernels only).');
  process.exit(0);
}
// Up to date (the add-on newer than its sources): nothing to do, unless --force (npm run build:kernels).
// A reinstall (or a project linking this checkout) then never rebuilds it under a running process.
const addon = join(here, 'build/Release/odelab_blas.node');
const newest = Math.max(...['odelab_blas.c', 'binding.gyp'].map((f) => statSync(join(here, f)).mtimeMs));
if (!process.argv.includes('--force') && existsSync(addon) && statSync(addon).mtimeMs >= newest) {
  note(`native add-on up to date (${addon}); npm run build:kernels rebuilds it.`);
  process.exit(0);
}
const headers = ['/usr/include/x86_64-linux-gnu/cblas.h', '/usr/include/cblas.h', '/usr/include/openblas/cblas.h', '/usr/include/aarch64-linux-gnu/cblas.h'];
if (!headers.some((h) => existsSync(h))) {
  note('cblas.h not found (Debian/Ubuntu: apt-get install libopenblas-dev): native add-on not built; odelab uses its JavaScript/wasm kernels.');
  process.exit(0);
}

function nodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  for (const npm of [process.env.npm_execpath, join(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js')]) {
    if (!npm || !existsSync(npm)) continue;
    candidates.push(join(dirname(realpathSync(npm)), '../node_modules/node-gyp/bin/node-gyp.js'));
  }
  return candidates.find((c) => existsSync(c));
}

const gyp = nodeGyp();
if (!gyp) {
  note('node-gyp not found (it ships with npm): native add-on not built; odelab uses its JavaScript/wasm kernels.');
  process.exit(0);
}
// Node's own headers when installed beside it (distribution packages), so that no download is needed.
const prefix = dirname(dirname(process.execPath));
const local = existsSync(join(prefix, 'include/node/node_api.h')) ? [`--nodedir=${prefix}`] : [];
const attempts = local.length ? [local, []] : [[]];
for (const extra of attempts) {
  const r = spawnSync(process.execPath, [gyp, 'rebuild', ...extra], { cwd: here, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status === 0) {
    note(`native add-on built (${join(here, 'build/Release/odelab_blas.node')}).`);
    process.exit(0);
  }
  var last = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-6).join('\n');
}
rmSync(join(here, 'build'), { recursive: true, force: true });
note(`native add-on build failed; odelab uses its JavaScript/wasm kernels. Last lines:\n${last}`);
process.exit(0);
