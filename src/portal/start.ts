/**
 * Starts the portal on a port, for the demo orchestrator and `simpul portal`.
 */
import { listen } from '../core/http/app.js';
import type { Database } from '../core/storage/database.js';
import type { GatewayClient } from './gateway-client.js';
import { generatePortalKeys, loadOrCreatePortalKeys } from './keys.js';
import { createPortal, type Portal, type PortalOptions } from './portal.js';

export interface StartPortalOptions extends Omit<PortalOptions, 'database' | 'gateway' | 'keys'> {
  database: Database<unknown>;
  gateway: GatewayClient;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** JSON key file (created on first start); keys are ephemeral when absent. */
  keysFile?: string;
}

export interface RunningPortal extends Portal {
  readonly url: string;
}

export async function startPortal(options: StartPortalOptions): Promise<RunningPortal> {
  const { port, host, keysFile, ...rest } = options;
  const keys = keysFile ? loadOrCreatePortalKeys(keysFile) : generatePortalKeys();
  const portal = await createPortal({ ...rest, keys, publicUrl: rest.publicUrl ?? 'http://localhost' });
  const bound = await listen(portal.app, port, host ?? '127.0.0.1');
  // Without an explicit public URL citizens use http://localhost:<port>: a passkey's RP id cannot be an IP address.
  const url = rest.publicUrl ?? `http://localhost:${new URL(bound).port}`;
  portal.setPublicUrl(url);
  return { ...portal, url };
}
