// Builds dist/: the job and its parsing-thread worker as ES module bundles. `tsc` only type-checks (see
// package.json); esbuild writes the files. One bundle instead of ~400 module files saves ~0.15 s of every
// start (docs/performance.md), which is a tenth of a 1 M-row run.
//
// - The job, its shared chunks and the parsing threads' worker all land in dist/ itself: the pool finds its
//   worker as `./fold-worker.cjs` next to whichever file holds the pool's code.
// - The worker is one CommonJS file of its own, not an ES module sharing the job's chunks: a thread then starts
//   without Node's ES module loader, and 1 M-row runs on local files took 5-7 % less time and 0.2-0.3 s less
//   CPU (docs/performance.md).
// - The AWS SDK is bundled too, from its ES module build (`mainFields`), into chunks loaded only for S3
//   endpoints: loading it from node_modules took 150–270 ms, the chunks 85–150 ms. pino-pretty (only on a
//   terminal) and snappy (a native module) are required by name at run time.
// - Bundled CommonJS packages (pino, yaml, commander) call `require`, which an ES module lacks: the banner
//   gives each output file one.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

await rm(`${root}dist`, { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts' },
  splitting: true,
  format: 'esm',
  external: ['snappy'],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
await build({
  ...common,
  entryPoints: { 'fold-worker': 'src/transformers/fold-worker.ts' },
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
});
