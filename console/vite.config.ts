import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The admin console: a static build under console/dist, served by Sesame at /console. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  // `vite` (dev server) proxies everything but the console to a running Sesame (npm start) on port 3300.
  server: {
    proxy: Object.fromEntries(['/api', '/oidc', '/.well-known', '/interaction', '/console/config.json', '/console/setup']
      .map((p) => [p, { target: process.env.SESAME_URL ?? 'http://localhost:3300', changeOrigin: false }])),
  },
});
