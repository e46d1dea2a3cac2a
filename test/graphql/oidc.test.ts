import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { errorCode, gql, gqlOk } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';

/**
 * Single sign-on against a real issuer: a loopback HTTP server publishes a discovery
 * document and a JWKS, and tokens are signed with its key (or another one).
 */
describe('OIDC tokens', async () => {
  const [backend] = await backends();
  let issuerServer: Server;
  let issuer: string;
  let signingKey: SigningKey;
  let strangerKey: SigningKey;
  let server: RunningServer;
  const audience = 'graphnas-test';

  before(async () => {
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    issuerServer = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
      else if (req.url === '/jwks') res.end(JSON.stringify({ keys: [jwk] }));
      else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => issuerServer.listen(0, '127.0.0.1', () => resolve()));
    issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
    server = await startTestServer(backend!.config({ oidc: { issuer, audience, jwksUri: null, roleClaim: 'graphnas_role', projectClaim: 'graphnas_project' } }));
  });
  after(async () => {
    await server?.close();
    await backend!.cleanup();
    await new Promise<void>((resolve) => issuerServer.close(() => resolve()));
  });

  const token = (claims: Record<string, unknown>, options: { key?: SigningKey; aud?: string; exp?: string | number; iss?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(options.iss ?? issuer)
      .setAudience(options.aud ?? audience)
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime(options.exp ?? '5m')
      .sign(options.key ?? signingKey);

  test('a valid token maps its claims to a role and a project', async () => {
    const t = await token({ graphnas_role: ['viewer', 'operator'], graphnas_project: 'vision', preferred_username: 'alice@example.org' });
    const me = await gqlOk<{ viewer: { kind: string; role: string; project: string; name: string } }>(server.url, '{ viewer { kind role project name } }', {}, { token: t });
    assert.deepEqual(me.viewer, { kind: 'oidc', role: 'OPERATOR', project: 'vision', name: 'alice@example.org' });
    const space = await gql(server.url, `mutation($d: JSON!) { createSearchSpace(input: { name: "sso", definition: $d }) { project } }`, { d: NB201_SPACE() }, { token: t });
    assert.equal((space.data as { createSearchSpace: { project: string } }).createSearchSpace.project, 'vision');
  });

  test('expired, wrong-audience, wrong-issuer, wrong-key and role-less tokens are UNAUTHENTICATED', async () => {
    const cases: [string, string][] = [
      ['expired', await token({ graphnas_role: 'admin' }, { exp: Math.floor(Date.now() / 1000) - 60 })],
      ['wrong audience', await token({ graphnas_role: 'admin' }, { aud: 'someone-else' })],
      ['wrong issuer', await token({ graphnas_role: 'admin' }, { iss: 'https://evil.example' })],
      ['signed with another key', await token({ graphnas_role: 'admin' }, { key: strangerKey })],
      ['no role', await token({})],
      ['unknown role', await token({ graphnas_role: 'root' })],
      ['garbage', 'not.a.token'],
    ];
    for (const [what, t] of cases) {
      const result = await gql(server.url, '{ viewer { role } }', {}, { token: t });
      assert.equal(errorCode(result), 'UNAUTHENTICATED', `${what}: ${JSON.stringify(result.errors)}`);
    }
  });

  test('with an issuer configured, a loopback server without keys is not open', async () => {
    assert.equal(errorCode(await gql(server.url, '{ viewer { role } }')), 'UNAUTHENTICATED');
  });
});
