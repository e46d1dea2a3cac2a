import { extname } from 'node:path';
import express, { type Router } from 'express';
import { allows, Permission, type Principal } from '../core/access/access.js';
import type { FinalizationService } from '../core/finalization/finalization.service.js';
import { GraphnasError } from '../errors/index.js';
import type { Authenticator } from '../graphql/auth/authenticator.js';
import type { Logger } from '../logger.js';
import { sendJsonError, type HttpErrorCode } from './json-errors.js';

const TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.bin': 'application/octet-stream',
};

const STATUS: Partial<Record<string, [number, HttpErrorCode]>> = {
  UNAUTHENTICATED: [401, 'UNAUTHENTICATED'],
  FORBIDDEN: [403, 'FORBIDDEN'],
  NOT_FOUND: [404, 'NOT_FOUND'],
  BAD_USER_INPUT: [404, 'NOT_FOUND'],
};

/**
 * Downloads of finalists' models, `GET /artifacts/experiments/:e/trials/:t/:file`, the
 * URLs the API's `Trial.model` lists: the caller's key as for GraphQL (Authorization:
 * Bearer), the read permission, and the key's project; anything it may not see is a 404
 * like anything that does not exist. `tf.loadLayersModel(url, { requestInit: { headers } })`
 * reads a model straight from here.
 */
export function serveArtifacts(options: { readonly authenticator: Authenticator; readonly finalizations: FinalizationService; readonly logger: Logger }): Router {
  const router = express.Router();
  router.get('/artifacts/experiments/:experimentId/trials/:trialId/:name', async (req, res) => {
    try {
      const principal: Principal = await options.authenticator.authenticate(req.headers.authorization);
      if (!allows(principal.role, Permission.READ)) throw new GraphnasError('FORBIDDEN', `the ${principal.role} role may not read models`);
      const { experimentId, trialId, name } = req.params;
      const file = await options.finalizations.modelFile(experimentId, trialId, name, principal.project);
      res.setHeader('Content-Type', TYPES[extname(file.name)] ?? 'application/octet-stream');
      res.setHeader('Content-Disposition', `inline; filename="${file.name}"`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Cache-Control', 'private, no-cache');
      res.send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
    } catch (error) {
      const mapped = error instanceof GraphnasError ? STATUS[error.code] : undefined;
      if (mapped) {
        sendJsonError(res, mapped[0], mapped[1], error instanceof Error ? error.message : String(error));
        return;
      }
      options.logger.error({ err: error, requestId: res.locals.requestId }, 'artifact download failed');
      sendJsonError(res, 500, 'INTERNAL_SERVER_ERROR', 'internal error');
    }
  });
  return router;
}
