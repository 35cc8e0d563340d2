/**
 * Oversight in the demo federation: the oversight service (src/oversight) on its own port,
 * reading the registry's signed configuration over HTTP and every gateway's public log API,
 * as it would in a deployment (ADR 0080). The console signs people in with their registry
 * accounts (the demo's registry administrator among them).
 */
import { join } from 'node:path';
import { listen } from '../core/http/app.js';
import { openDatabase } from '../core/storage/database.js';
import { createOversight, registryAuth, registryView, type Oversight, type QualitySource, type ServiceTimesSource, type SignInSource } from '../oversight/index.js';

/** The oversight service's port: the registry's base + 6 (agencies start at base + 10). */
export function oversightPort(portBase: number): number {
  return portBase + 6;
}

export interface DemoOversightManifest {
  console: { url: string };
  transparency: { url: string };
}

export interface DemoOversightOptions {
  dataDir: string;
  portBase: number;
  host: string;
  databaseUrl?: string | undefined;
  registryUrl: string;
  /** The registry's public key: the trust anchor of its configuration. */
  anchor: Uint8Array;
  /** The demo manifest's gateways: each gateway's id and the URL its public log API is at. */
  gateways: Record<string, { id: string; url: string }>;
  quality?: QualitySource;
  /** The citizen portal's aggregate complaint and permit times (its `portalFigures`). */
  serviceTimes?: ServiceTimesSource;
  /** The citizen portal's failed sign-ins, for the sign-in rule. */
  signIns?: SignInSource;
  logLevel?: string;
  /** Oversight's round (log monitor, then security rules); default 5 s. */
  intervalMs?: number | undefined;
}

export interface DemoOversight {
  manifest: DemoOversightManifest;
  oversight: Oversight;
  close(): Promise<void>;
}

export async function startDemoOversight(options: DemoOversightOptions): Promise<DemoOversight> {
  const database = await openDatabase<unknown>({ url: options.databaseUrl, dataDir: options.databaseUrl ? undefined : join(options.dataDir, 'oversight'), schema: 'oversight' });
  const view = await registryView({ registryUrl: options.registryUrl, anchor: options.anchor });
  try {
    const logUrls = Object.fromEntries(Object.values(options.gateways).map((g) => [g.id, g.url]));
    const oversight = await createOversight({
      database,
      configuration: view.current,
      logUrls: () => logUrls,
      auth: registryAuth(options.registryUrl),
      logLevel: options.logLevel ?? 'warn',
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      ...(options.quality ? { quality: options.quality } : {}),
      ...(options.serviceTimes ? { serviceTimes: options.serviceTimes } : {}),
      ...(options.signIns ? { signIns: options.signIns } : {}),
    });
    const url = await listen(oversight.app, oversightPort(options.portBase), options.host);
    oversight.setPublicUrl(url);
    return {
      manifest: { console: { url: `${url}/konsol` }, transparency: { url: `${url}/` } },
      oversight,
      async close() {
        view.close();
        await oversight.close();
        await database.close();
      },
    };
  } catch (error) {
    view.close();
    await database.close();
    throw error;
  }
}
