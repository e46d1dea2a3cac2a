import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '../logger.js';

/** Where `npm run build` puts the web app (vite's outDir, web/vite.config.mjs), from dist/src/dashboard. */
export const DASHBOARD_DIR = join(__dirname, '..', '..', 'dashboard');

/** Paths the service answers itself; the app's client-side routes never take them. */
const API_PREFIXES = ['/graphql', '/healthz', '/readyz', '/artifacts'];

/**
 * Everything the page loads comes from this server: scripts and styles from its own
 * files, data from /graphql over fetch and WebSocket (which 'self' covers). Preact and
 * uPlot set styles through the CSSOM, which `style-src` does not govern, so no inline
 * script or style is allowed at all; the browser tests fail on any violation.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(res: Response): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

function isAppRoute(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (API_PREFIXES.some((prefix) => req.path === prefix || req.path.startsWith(`${prefix}/`))) return false;
  // A missing file (/assets/gone.js) is a 404, not the app: only extension-less paths are routes.
  return extname(req.path) === '' && req.accepts('html') === 'html';
}

/**
 * The dashboard at `/`: the built files, hashed assets cached for good, and the app's
 * index for every other page path (/experiments/…, /trials/…), so that a reload or a
 * shared link opens the same view. Without a build (tsc alone) `/` says how to make one.
 */
export function serveDashboard({ logger, dir = DASHBOARD_DIR }: { logger: Logger; dir?: string }): Router {
  const router = express.Router();
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    logger.warn({ dir }, 'the dashboard is not built (npm run build builds it); / explains how');
    router.get('/', (_req, res) => {
      secure(res);
      res
        .status(503)
        .type('html')
        .send('<!doctype html><title>graphnas</title><p>The dashboard is not built. Run <code>npm run build</code> and restart; the API is at <a href="/graphql">/graphql</a>.</p>');
    });
    return router;
  }
  router.use(
    '/assets',
    express.static(join(dir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: true,
      setHeaders: secure,
    }),
  );
  router.use(express.static(dir, { index: false, maxAge: '1h', setHeaders: secure }));
  router.use((req, res, next) => {
    if (!isAppRoute(req)) {
      next();
      return;
    }
    secure(res);
    // The index names the current build's assets: it must never be served stale.
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
