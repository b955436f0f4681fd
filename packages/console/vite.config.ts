import { defineConfig } from 'vite';

// Vite's own JSX transform (oxc) targets Preact directly: no framework plugin to keep in step
// with Node 20 (ADR-0012).
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, target: 'es2022' },
  server: { proxy: { '/api': 'http://127.0.0.1:8787' } },
});
