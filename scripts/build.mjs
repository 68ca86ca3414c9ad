// Builds dist/: the job as an ES module bundle, its parsing-thread worker and its S3 code as CommonJS files.
// `tsc` only type-checks (see package.json); esbuild writes the files. One bundle instead of ~400 module files
// saves ~0.15 s of every start (docs/performance.md), which is a tenth of a 1 M-row run.
//
// - The job, its shared chunks and the parsing threads' worker all land in dist/ itself: the pool finds its
//   worker as `./fold-worker.cjs` next to whichever file holds the pool's code.
// - The worker is one CommonJS file of its own, not an ES module sharing the job's chunks: a thread then starts
//   without Node's ES module loader, and 1 M-row runs on local files took 5-7 % less time and 0.2-0.3 s less
//   CPU (docs/performance.md).
// - The S3 code and the AWS SDK, from its ES module build (`mainFields`), are one more CommonJS file, loaded
//   only for S3 endpoints: loading the SDK from node_modules took 150–270 ms, as chunks of the job 64–102 ms.
//   As one file it runs with a V8 code cache, which `npm run build` then writes (scripts/warm-s3-code.ts):
//   45–61 ms, and the first requests' code compiled too. pino-pretty (only on a terminal) and snappy (a native
//   module) are required by name at run time.
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
// open-store.ts falls back to the module when the CommonJS file is absent: never in dist/.
const s3CodeApart = {
  name: 's3-code-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/s3-store\.js$/ }, () => ({ path: './s3-store.cjs', external: true }));
  },
};
await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts' },
  splitting: true,
  format: 'esm',
  external: ['snappy'],
  plugins: [s3CodeApart],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});
const commonJs = { ...common, format: 'cjs', outExtension: { '.js': '.cjs' } };
await build({ ...commonJs, entryPoints: { 'fold-worker': 'src/transformers/fold-worker.ts' } });
// The job's own error classes, which its `instanceof` checks know, not a copy: the loader gives them to the
// bundle under this name (src/storage/open-store.ts).
const jobErrors = {
  name: 'job-errors',
  setup(build) {
    build.onResolve({ filter: /\/common\/errors\.js$/ }, () => ({ path: 'xetra-etl:errors', external: true }));
  },
};
await build({
  ...commonJs,
  entryPoints: { 's3-store': 'src/storage/s3-store.ts' },
  plugins: [jobErrors],
  // import() of Node's own modules becomes require(): the code runs as a vm.Script, which has no loader for it
  supported: { 'dynamic-import': false },
});
