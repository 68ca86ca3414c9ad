// Builds dist/: the job and its parsing-thread worker as ES module bundles. `tsc` only type-checks (see
// package.json); esbuild writes the files. One bundle instead of ~400 module files saves ~0.15 s of every
// start (docs/performance.md), which is a tenth of a 1 M-row run.
//
// - Both entries land in dist/ itself, and so do the shared chunks: the pool finds its worker as
//   `./fold-worker.js` next to whichever file holds the pool's code.
// - The AWS SDK is bundled too, from its ES module build (`mainFields`), into chunks loaded only for S3
//   endpoints: loading it from node_modules took 150–270 ms, the chunks 85–150 ms. pino-pretty (only on a
//   terminal) and snappy (a native module) are required by name at run time.
// - Bundled CommonJS packages (pino, yaml, commander) call `require`, which an ES module lacks: the banner
//   gives each output file one.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

await rm(`${root}dist`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts', 'fold-worker': 'src/transformers/fold-worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  external: ['snappy'],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
