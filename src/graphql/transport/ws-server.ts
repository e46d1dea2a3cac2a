import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../../logger.js';

/**
 * What a socket may hold unsent before a subscription waits for it: past this, `send`
 * resolves only once the kernel took the message, so graphql-ws stops pulling events for
 * that subscriber and its bounded buffer in the event feed fills (SLOW_CONSUMER, with a
 * cursor), instead of the socket's buffer growing without bound.
 */
export const SOCKET_HIGH_WATER_BYTES = 256 * 1024;

/** The socket under ws's WebSocket (ws has no public cork); null where there is none. */
function rawSocket(socket: WebSocket): { cork(): void; uncork(): void } | null {
  const raw = (socket as unknown as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
  return typeof raw?.cork === 'function' && typeof raw.uncork === 'function' ? (raw as { cork(): void; uncork(): void }) : null;
}

/**
 * graphql-ws's server on a `ws` server, as graphql-ws's own `useServer` does it (ping
 * keep-alive, close and message wiring), with two differences that decide a fan-out to
 * thousands of subscribers:
 *
 * - `send` resolves when the message is queued on a socket with room, not when the
 *   kernel has taken it. `useServer` waits for ws's write callback, so each subscriber
 *   got at most one event per turn of the event loop, one syscall each.
 * - What one subscriber is sent within one turn of the loop leaves in one write: the
 *   socket is corked at the first message and uncorked on the next tick.
 *
 * Close reasons never carry an error's message. Errors raised on a socket are the client's protocol faults (a frame past maxPayload, a
 * bad opcode), for which ws has already closed it with the code that says so; they are
 * logged, not taken for a server bug (graphql-ws would print them and close with 4500).
 */
export function serveGraphqlWsOn(
  options: ServerOptions<Record<string, unknown> | undefined, { socket: WebSocket; request: IncomingMessage }>,
  wss: WebSocketServer,
  logger: Logger,
  keepAliveMs = 12_000,
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;
  wss.on('error', (error) => logger.error({ err: error }, 'websocket server error'));
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    socket.on('error', (error: Error & { code?: string }) => logger.info({ code: error.code, message: error.message }, 'websocket closed on a protocol error'));
    let pongWait: NodeJS.Timeout | null = null;
    const ping =
      keepAliveMs > 0
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait ??= setTimeout(() => socket.terminate(), keepAliveMs);
            socket.ping();
          }, keepAliveMs)
        : null;
    socket.on('pong', () => {
      if (pongWait !== null) clearTimeout(pongWait);
      pongWait = null;
    });
    const raw = rawSocket(socket);
    let corked = false;
    const uncork = (): void => {
      corked = false;
      raw?.uncork();
    };
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            if (raw !== null && !corked) {
              corked = true;
              raw.cork();
              process.nextTick(uncork);
            }
            const roomy = socket.bufferedAmount < SOCKET_HIGH_WATER_BYTES;
            socket.send(data, (error) => {
              if (roomy) return;
              if (error) reject(error);
              else resolve();
            });
            if (roomy) resolve();
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (message: Buffer) => {
            handle(String(message)).catch((error: unknown) => {
              logger.error({ err: error }, 'websocket message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      if (pongWait !== null) clearTimeout(pongWait);
      if (ping !== null) clearInterval(ping);
      void closed(code, String(reason));
    });
  });
  return {
    async dispose() {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
