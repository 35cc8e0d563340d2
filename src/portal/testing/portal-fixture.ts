/**
 * Test support: a portal on a test database, talking to the gateway test peer, with a clock
 * the test can move, and a small cookie-keeping client over `app.inject()` that submits forms
 * the way a browser does (CSRF token from the page, cookies from the responses).
 */
import type { Database } from '../../core/storage/database.js';
import type { TestBackend } from '../../core/storage/testing.js';
import { HttpGatewayClient } from '../gateway-client.js';
import { createPortal, PORTAL_SUBSYSTEM, type Portal, type PortalOptions } from '../portal.js';
import { startGatewayTestPeer, type GatewayTestPeer, type TestKbli, type TestPerson } from './gateway-test-peer.js';
import { totpCode } from '../auth/totp.js';

export const DEMO_NIK = '3201014507900001';
export const OTHER_NIK = '3171020101850002';
/** In the population register, with no portal account: signs up in the tests. */
export const SIGN_UP_NIK = '3201016203950003';
/** In the population register as deceased. */
export const DECEASED_NIK = '3201011508400004';
/** Well formed, but nobody in the population register has it. */
export const UNKNOWN_NIK = '3201012002990009';

export function demoPerson(nik = DEMO_NIK, fullName = 'Siti Rahayu'): TestPerson {
  return {
    nik, kk: '3201010101900001', fullName, sex: 'P', birthPlace: 'Bogor', birthDate: '1990-07-05', religion: 'Islam',
    maritalStatus: 'Kawin', occupation: 'Wiraswasta', bloodType: 'O', nationality: 'WNI',
    address: { street: 'Jl. Merdeka No. 10', rt: '001', rw: '002', village: 'Cibinong', district: 'Cibinong', city: 'Kabupaten Bogor', province: 'Jawa Barat', postcode: '16911' },
    deathDate: null, updatedAt: '2024-01-01T00:00:00Z',
  };
}

export const PEER_TOKEN = 'portal-test-token';

/** A few entries of the licensing agency's KBLI table, one per risk level. */
export const TEST_KBLI: Record<string, TestKbli> = {
  '56103': { code: '56103', title: 'Kedai Makanan', sector: 'Pariwisata', riskLevel: 'RENDAH' },
  '47119': { code: '47119', title: 'Perdagangan Eceran Berbagai Macam Barang yang Utamanya Makanan, Minuman atau Tembakau Lainnya', sector: 'Perdagangan', riskLevel: 'RENDAH' },
  '10710': { code: '10710', title: 'Industri Produk Roti dan Kue', sector: 'Perindustrian', riskLevel: 'MENENGAH_RENDAH' },
  '86901': { code: '86901', title: 'Aktivitas Pelayanan Kesehatan oleh Tenaga Kesehatan selain Dokter dan Dokter Gigi', sector: 'Kesehatan', riskLevel: 'MENENGAH_TINGGI' },
};

export interface PortalFixture {
  portal: Portal;
  peer: GatewayTestPeer;
  database: Database<unknown>;
  clock: { now: Date; advance(ms: number): void };
  close(): Promise<void>;
}

export async function portalFixture(backend: TestBackend, options: Partial<PortalOptions> = {}): Promise<PortalFixture> {
  const peer = await startGatewayTestPeer({
    token: PEER_TOKEN,
    client: PORTAL_SUBSYSTEM,
    rights: [
      { service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'PERIZINAN-BERUSAHA-NIB', legalBasis: 'Permendagri 102/2019' },
      { service: 'ID/GOV/DUKCAPIL/SIAK/person', purpose: 'PENDAFTARAN-AKUN-PORTAL', legalBasis: 'Permendagri 102/2019' },
      { service: 'ID/GOV/LICENSING/OSS/kbli', purpose: 'PERIZINAN-BERUSAHA-NIB', legalBasis: 'PP 5/2021' },
      { service: 'ID/GOV/LICENSING/OSS/applications', purpose: 'PERIZINAN-BERUSAHA-NIB', legalBasis: 'PP 5/2021' },
    ],
    persons: [demoPerson(), demoPerson(OTHER_NIK, 'Budi Santoso'), demoPerson(SIGN_UP_NIK, 'DEWI LESTARI'), { ...demoPerson(DECEASED_NIK, 'Slamet Riyadi'), deathDate: '2020-01-01' }],
    kbli: TEST_KBLI,
  });
  const database = await backend.open<unknown>('portal_test');
  const clock = { now: new Date('2026-03-02T03:00:00Z'), advance(ms: number) { this.now = new Date(this.now.getTime() + ms); } };
  const portal = await createPortal({
    database,
    gateway: new HttpGatewayClient({ baseUrl: peer.url, token: PEER_TOKEN, client: PORTAL_SUBSYSTEM }),
    exchanges: peer,
    now: () => clock.now,
    logLevel: 'silent',
    // Tests run maintenance rounds themselves (or start the timer): a round on its own could race them.
    maintenanceIntervalMs: 0,
    ...options,
  });
  return {
    portal, peer, database, clock,
    async close() {
      await portal.close();
      await database.close();
      await peer.close();
    },
  };
}

export interface PageResponse {
  status: number;
  body: string;
  location: string | undefined;
  headers: Record<string, unknown>;
}

/** A browser stand-in over inject(): keeps cookies, reads the CSRF token from the last page. */
export class InjectBrowser {
  readonly cookies = new Map<string, string>();
  csrf = '';
  last: PageResponse | undefined;

  constructor(readonly portal: Portal, readonly ip = '127.0.0.1') {}

  async get(url: string): Promise<PageResponse> {
    return this.#send('GET', url);
  }

  /** A download (PDF, JSON) with this browser's cookies, as bytes. */
  async download(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
    const res = await this.portal.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
  }

  async post(url: string, form: Record<string, string>, withCsrf = true): Promise<PageResponse> {
    return this.#send('POST', url, new URLSearchParams({ ...(withCsrf ? { _csrf: this.csrf } : {}), ...form }).toString());
  }

  /** Follows redirects of a response (GET), as a browser would. */
  async follow(res: PageResponse): Promise<PageResponse> {
    let current = res;
    for (let i = 0; i < 5 && current.location; i++) current = await this.get(current.location);
    return current;
  }

  async #send(method: 'GET' | 'POST', url: string, payload?: string): Promise<PageResponse> {
    const res = await this.portal.app.inject({
      method, url, remoteAddress: this.ip,
      headers: {
        accept: 'text/html',
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(payload !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(payload !== undefined ? { payload } : {}),
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const cleared = c.value === '' || (c.expires && c.expires.getTime() <= Date.now()) || c.maxAge === 0;
      if (cleared) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(res.body);
    if (token) this.csrf = token[1]!;
    const page = { status: res.statusCode, body: res.body, location: res.headers.location as string | undefined, headers: res.headers };
    this.last = page;
    return page;
  }
}

/** Signs in with NIK, password and the current TOTP code; returns the dashboard page. */
export async function signIn(browser: InjectBrowser, nik: string, password: string, secret: string, at: Date, path = '/masuk'): Promise<PageResponse> {
  await browser.get(path);
  const step1 = await browser.post(path, path === '/masuk' ? { nik, password } : { username: nik, password });
  if (step1.status !== 303) throw new Error(`password step answered ${step1.status}`);
  await browser.get(step1.location!);
  const step2 = await browser.post('/masuk/kode', { code: await totpCode(secret, at) });
  if (step2.status !== 303) throw new Error(`second factor answered ${step2.status}`);
  return browser.follow(step2);
}
