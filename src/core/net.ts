/** Small network helpers shared by the parts that start servers of their own. */
import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on `host`: for servers whose port must be known
 * before they start (a gateway's address in the configuration, a private NATS server).
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
