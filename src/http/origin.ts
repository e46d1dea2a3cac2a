import cors from 'cors';
import type { RequestHandler } from 'express';
import { sendJsonError } from './json-errors.js';

/**
 * Which browser pages may drive the API: the server's own (the Apollo sandbox it serves)
 * and the origins configured in GRAPHNAS_CORS_ORIGINS. A request without an `Origin`
 * comes from no page (curl, a worker, a service) and is let through; a browser always
 * sends one on WebSocket upgrades and cross-site requests, so a page on another site
 * cannot use a local server, or a user's credentials, through the user's browser.
 */
export class OriginPolicy {
  private readonly listed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.listed = new Set(origins);
  }

  isListed(origin: string): boolean {
    return this.listed.has(origin);
  }

  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.listed.has(origin)) return true;
    try {
      return host !== undefined && new URL(origin).host === host.toLowerCase();
    } catch {
      // `null` (sandboxed frames, file: pages) and anything else that is no URL
      return false;
    }
  }
}

/**
 * HTTP's half of the policy: refuses requests from other origins (403, before their body
 * is read) and answers CORS, preflights included, for the listed ones.
 */
export function originGuard(policy: OriginPolicy): RequestHandler[] {
  const refuse: RequestHandler = (req, res, next) => {
    const origin = req.headers.origin;
    if (policy.allows(origin, req.headers.host)) {
      next();
      return;
    }
    sendJsonError(res, 403, 'FORBIDDEN', `requests from the origin ${JSON.stringify(origin)} are not allowed (GRAPHNAS_CORS_ORIGINS lists the allowed ones)`);
  };
  const answerCors = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && policy.isListed(origin)),
    methods: ['GET', 'POST'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });
  return [refuse, answerCors];
}
