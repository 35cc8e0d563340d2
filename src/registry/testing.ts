/**
 * A small instance for tests of the registry and of the parts that consume its configuration:
 * two members (DUKCAPIL provides, BPS consumes), a personal-data service, and one gateway each.
 */
import { b64, generateSigningKey, type SigningKey } from '../core/crypto.js';
import { createTlsKeyAndCsr } from '../core/pki.js';
import type { Registry } from './registry.js';

export interface SampleGateway {
  id: string;
  address: string;
  signingKey: SigningKey;
  tlsKeyPem: string;
  tlsCertificate: string;
}

export interface SampleInstance {
  provider: { member: string; subsystem: string; service: string; gateway: SampleGateway };
  consumer: { member: string; subsystem: string; gateway: SampleGateway };
  rightId: string;
}

async function gateway(registry: Registry, actor: string, id: string, address: string): Promise<SampleGateway> {
  const signingKey = generateSigningKey();
  const { privateKeyPem, csrPem } = await createTlsKeyAndCsr(id, ['localhost', '127.0.0.1']);
  const { tlsCertificate } = await registry.registerGateway(actor, { id, address, signingKey: b64.encode(signingKey.publicKey), tlsCsr: csrPem });
  return { id, address, signingKey, tlsKeyPem: privateKeyPem, tlsCertificate };
}

/** Populates an empty registry of instance `ID`; every change is made by `actor`. */
export async function populateSample(registry: Registry, actor = 'tester'): Promise<SampleInstance> {
  await registry.addMember(actor, { id: 'ID/GOV/DUKCAPIL', name: 'Direktorat Jenderal Kependudukan dan Pencatatan Sipil' });
  await registry.addMember(actor, { id: 'ID/GOV/BPS', name: 'Badan Pusat Statistik' });
  await registry.addSubsystem(actor, { id: 'ID/GOV/DUKCAPIL/SIAK' });
  await registry.addSubsystem(actor, { id: 'ID/GOV/BPS/SENSUS' });
  await registry.addService(actor, {
    id: 'ID/GOV/DUKCAPIL/SIAK/person',
    title: 'Data kependudukan per NIK',
    personalData: true,
    openapi: { openapi: '3.1.0', info: { title: 'person', version: '1' }, paths: {} },
    dataModel: 'simpul:person/1',
  });
  const providerGateway = await gateway(registry, actor, 'ID/GOV/DUKCAPIL/gw1', 'https://127.0.0.1:8443');
  const consumerGateway = await gateway(registry, actor, 'ID/GOV/BPS/gw1', 'https://localhost:9443');
  const right = await registry.grantRight(actor, {
    client: 'ID/GOV/BPS/SENSUS',
    service: 'ID/GOV/DUKCAPIL/SIAK/person',
    purpose: 'STATISTIK-SENSUS',
    legalBasis: 'UU 16/1997 Statistik',
  });
  return {
    provider: { member: 'ID/GOV/DUKCAPIL', subsystem: 'ID/GOV/DUKCAPIL/SIAK', service: 'ID/GOV/DUKCAPIL/SIAK/person', gateway: providerGateway },
    consumer: { member: 'ID/GOV/BPS', subsystem: 'ID/GOV/BPS/SENSUS', gateway: consumerGateway },
    rightId: right.id,
  };
}
