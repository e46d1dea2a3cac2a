import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is served by the service itself (src/dashboard/serve.ts) from
// dist/dashboard; tsc owns the rest of dist/, so the two outputs never overlap.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // uPlot and the GraphQL client are the bulk; one chunk keeps the first render to two requests.
    chunkSizeWarningLimit: 300,
  },
});
