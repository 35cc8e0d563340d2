/**
 * Names for identifiers, from the registry's signed global configuration: agencies by member
 * id, services by service id. Oversight shows what the instance publishes, nothing more.
 */
import type { GlobalConfiguration } from '../registry/global-conf.js';

export interface Directory {
  memberName(id: string): string;
  serviceTitle(id: string): string;
  members(): { id: string; name: string }[];
}

export function directoryOf(conf: () => GlobalConfiguration | undefined): Directory {
  return {
    memberName: (id) => conf()?.members.find((m) => m.id === id)?.name ?? id,
    serviceTitle: (id) => conf()?.services.find((s) => s.id === id)?.title ?? id,
    members: () => (conf()?.members ?? []).map((m) => ({ id: m.id, name: m.name })),
  };
}
