/**
 * Oversight's view of the instance: the registry's global configuration, fetched over the
 * registry's public API and verified against the registry's key (the trust anchor), as a
 * gateway does. The log keys oversight checks checkpoints with come from here, never from
 * the gateways themselves.
 */
import { RegistryClient } from '../registry/client.js';
import { verifyConfiguration, type GlobalConfiguration } from '../registry/global-conf.js';

export interface RegistryView {
  current(): GlobalConfiguration | undefined;
  refresh(): Promise<GlobalConfiguration>;
  close(): void;
}

export async function registryView(options: { registryUrl: string; anchor: Uint8Array; refreshMs?: number; onError?: (error: unknown) => void }): Promise<RegistryView> {
  const client = new RegistryClient(options.registryUrl);
  let conf: GlobalConfiguration | undefined;
  const refresh = async (): Promise<GlobalConfiguration> => {
    const fresh = verifyConfiguration(await client.globalConfiguration(), options.anchor);
    // Never go back to an older version than the one held (as gateways do).
    if (!conf || fresh.version >= conf.version) conf = fresh;
    return conf;
  };
  await refresh();
  const timer = setInterval(() => void refresh().catch((error: unknown) => options.onError?.(error)), options.refreshMs ?? 10_000);
  timer.unref();
  return { current: () => conf, refresh, close: () => clearInterval(timer) };
}
