// Builds the student exam page into an output folder that examd serves as its
// web root:
//   exam.html                    the page template ({{CSP_NONCE}} is filled per response)
//   assets/NAME-HASH.js|.css     esbuild bundles named by content hash
//   pyodide/VERSION/...          the Pyodide runtime files, copied from node_modules
// and a precompressed FILE.br and FILE.gz beside every compressible file.
//
// Usage: node build.mjs --out DIR [--no-compress]

import { build } from 'esbuild';
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { promisify } from 'node:util';

const webDir = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

// Pyodide files that loading the interpreter with only the standard library
// fetches (checked against the requests Pyodide 0.29 makes in Chromium).
const PYODIDE_FILES = [
  'pyodide.mjs',
  'pyodide.asm.js',
  'pyodide.asm.wasm',
  'python_stdlib.zip',
  'pyodide-lock.json',
];

// Extensions that get precompressed siblings. HTML is left out because examd
// rewrites exam.html per response. .zip is left out because Pyodide 0.29's
// python_stdlib.zip is already deflated: brotli saves 2% of it.
const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.json', '.wasm', '.svg']);

// A precompressed file is kept only when it saves at least this share of the
// original size. Smaller savings are not worth a second copy on disk.
const MIN_SAVING = 0.05;

function parseArgs(argv) {
  const args = { out: null, compress: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') {
      args.out = argv[++i];
    } else if (argv[i] === '--no-compress') {
      args.compress = false;
    } else {
      throw new Error(`unknown argument "${argv[i]}"; usage: node build.mjs --out DIR [--no-compress]`);
    }
  }
  if (!args.out) {
    throw new Error('missing --out DIR; usage: node build.mjs --out DIR [--no-compress]');
  }
  return args;
}

// Returns the output file of esbuild's metafile whose entry point is `entry`.
function outputFor(metafile, entry) {
  for (const [file, info] of Object.entries(metafile.outputs)) {
    if (info.entryPoint === entry) {
      return file;
    }
  }
  throw new Error(`esbuild produced no output for ${entry}`);
}

async function bundle(outDir, entry, define) {
  const result = await build({
    entryPoints: [path.join(webDir, entry)],
    absWorkingDir: webDir,
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: false,
    entryNames: '[name]-[hash]',
    outdir: path.join(outDir, 'assets'),
    metafile: true,
    legalComments: 'linked',
    define,
    // Pyodide is served as copied files under /pyodide/VERSION/, never bundled.
    external: ['/pyodide/*'],
    logLevel: 'warning',
  });
  const file = outputFor(result.metafile, entry);
  return '/assets/' + path.basename(file);
}

async function copyPyodide(outDir) {
  const packageJson = require.resolve('pyodide/package.json');
  const pyodideDir = path.dirname(packageJson);
  const { version } = JSON.parse(await fs.readFile(packageJson, 'utf8'));
  const target = path.join(outDir, 'pyodide', version);
  await fs.mkdir(target, { recursive: true });
  for (const name of PYODIDE_FILES) {
    await fs.copyFile(path.join(pyodideDir, name), path.join(target, name));
  }
  return { version, urlBase: `/pyodide/${version}/` };
}

async function listFiles(dir) {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

async function compressAll(outDir) {
  const files = await listFiles(outDir);
  const report = [];
  await Promise.all(
    files
      .filter((file) => COMPRESSIBLE.has(path.extname(file)))
      .map(async (file) => {
        const data = await fs.readFile(file);
        const [br, gz] = await Promise.all([
          brotli(data, {
            params: {
              [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
              [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
            },
          }),
          gzip(data, { level: 9 }),
        ]);
        for (const [suffix, packed] of [['.br', br], ['.gz', gz]]) {
          if (packed.length <= data.length * (1 - MIN_SAVING)) {
            await fs.writeFile(file + suffix, packed);
          }
        }
        report.push({ file: path.relative(outDir, file), size: data.length, br: br.length, gz: gz.length });
      }),
  );
  return report.sort((a, b) => b.size - a.size);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const outDir = path.resolve(args.out);

  // Remove the previous output so stale hashed bundles do not pile up. Only
  // the paths this script writes are removed, because with CMake the output
  // folder is also the binary folder of web/, which contains CMake's files.
  for (const name of ['assets', 'pyodide', 'exam.html']) {
    await fs.rm(path.join(outDir, name), { recursive: true, force: true });
  }
  await fs.mkdir(path.join(outDir, 'assets'), { recursive: true });

  const pyodide = await copyPyodide(outDir);
  const workerUrl = await bundle(outDir, 'src/python-worker.js', {
    __PYODIDE_URL__: JSON.stringify(pyodide.urlBase),
  });
  const scriptUrl = await bundle(outDir, 'src/main.js', {
    __WORKER_URL__: JSON.stringify(workerUrl),
  });
  const styleUrl = await bundle(outDir, 'src/exam.css', {});

  const template = await fs.readFile(path.join(webDir, 'src/exam.html'), 'utf8');
  const html = template.replaceAll('{{SCRIPT_URL}}', scriptUrl).replaceAll('{{STYLE_URL}}', styleUrl);
  if (html.includes('{{SCRIPT_URL}}') || !html.includes('{{CSP_NONCE}}')) {
    throw new Error('src/exam.html must contain {{SCRIPT_URL}} and {{CSP_NONCE}} placeholders');
  }
  await fs.writeFile(path.join(outDir, 'exam.html'), html);

  if (args.compress) {
    const report = await compressAll(outDir);
    for (const { file, size, br, gz } of report) {
      const percent = (n) => ((100 * n) / size).toFixed(0).padStart(3) + '%';
      console.log(`${file.padEnd(48)} ${String(size).padStart(9)}  br ${percent(br)}  gz ${percent(gz)}`);
    }
  }
  console.log(`web: wrote ${outDir} (pyodide ${pyodide.version}, ${scriptUrl}, ${workerUrl}, ${styleUrl})`);
}

main().catch((error) => {
  console.error(`build.mjs: ${error.message}`);
  process.exit(1);
});
