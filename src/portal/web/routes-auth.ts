/**
 * Sign-in pages: NIK (or staff user name) and password, then a TOTP or recovery code, or a
 * passkey; TOTP enrolment with a QR code and recovery codes; sign-out; the language switch;
 * the account page with passkeys and the sign-in history.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SimpulError } from '../../core/errors.js';
import { parseNik } from '../../core/ids.js';
import type { HttpApp } from '../../core/http/app.js';
import { getAccount, type LoginName } from '../auth/accounts.js';
import { passkeyRegistrationOptions, passkeySignInOptions, registerPasskey, signInWithPasskey } from '../auth/passkeys.js';
import { endSession } from '../auth/sessions.js';
import { confirmTotpReenrolment, proveCurrentFactor, reenrolmentSecret, removePasskey } from '../auth/account-security.js';
import { confirmTotpEnrolment, passwordStep, recordSignInEvent, secondFactorStep, totpEnrolment } from '../auth/sign-in.js';
import { ASSETS } from './assets.js';
import { html, type VNode } from './html.js';
import { Button, CsrfField, Field, formatTime, renderPage, type PageContext } from './page.js';
import { clientIp, cookieOptions, pageContext, requestState, requireSession, safeNext, sendPage, type WebRuntime } from './runtime.js';

type Form = Record<string, string | undefined>;

function minutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}

function homeFor(kind: string): string {
  return kind === 'officer' ? '/loket' : kind === 'agency_staff' ? '/kantor' : '/';
}

export function registerAuthRoutes(app: HttpApp, rt: WebRuntime): void {
  const { ctx, cookies } = rt;

  function signInPage(pc: PageContext, staff: boolean, next: string, values: { login?: string; error?: string; loginError?: string; info?: string } = {}): string {
    const t = pc.t;
    const body: VNode[] = [
      html`<form method="post" action=${staff ? '/petugas/masuk' : '/masuk'} novalidate>
        ${CsrfField(pc)}
        <input type="hidden" name="next" value=${next} />
        ${staff
          ? Field({ name: 'username', label: t('Nama pengguna petugas', 'Staff user name'), value: values.login, autocomplete: 'username', error: values.loginError })
          : Field({ name: 'nik', label: 'NIK', hint: t('16 angka, sesuai KTP-el Anda.', '16 digits, as on your e-ID card.'), value: values.login, autocomplete: 'username', inputmode: 'numeric', maxlength: 16, error: values.loginError })}
        ${Field({ name: 'password', label: t('Kata sandi', 'Password'), type: 'password', autocomplete: 'current-password' })}
        ${Button({ children: t('Lanjut', 'Continue') })}
      </form>`,
    ];
    if (!staff) {
      body.push(html`<h2>${t('Atau gunakan passkey', 'Or use a passkey')}</h2>
        <p>${t('Passkey di ponsel atau kunci keamanan Anda sudah cukup untuk masuk dengan aman.', 'A passkey on your phone or security key is enough to sign in securely.')}</p>
        ${Button({ children: t('Masuk dengan passkey', 'Sign in with a passkey'), secondary: true, type: 'button', id: 'passkey-sign-in', hidden: true,
          data: { working: t('Menunggu passkey…', 'Waiting for the passkey…'), failed: t('Passkey gagal.', 'Passkey failed.'), unsupported: t('Peramban ini tidak mendukung passkey.', 'This browser does not support passkeys.') } })}
        <p id="passkey-status" role="status" aria-live="polite"></p>
        <p><a href="/daftar">${t('Belum punya akun? Daftar', 'No account yet? Sign up')}</a></p>
        <p><a href="/lacak">${t('Lacak pengaduan tanpa masuk', 'Track a complaint without signing in')}</a> · <a href="/verifikasi">${t('Periksa keaslian izin', 'Check a permit')}</a> · <a href="/petugas/masuk">${t('Masuk sebagai petugas', 'Staff sign-in')}</a></p>`);
    }
    const notice = values.error ? { kind: 'alert' as const, text: values.error } : values.info ? { kind: 'notice' as const, text: values.info } : undefined;
    return renderPage(pc, staff ? t('Masuk petugas', 'Staff sign-in') : t('Masuk', 'Sign in'), body, { ...(notice ? { notice } : {}), ...(staff ? {} : { scripts: [ASSETS.webauthn, ASSETS.passkey] }) });
  }

  function endedNotice(pc: PageContext, req: FastifyRequest): string | undefined {
    const ended = (req.query as Form).berakhir;
    if (ended === 'idle') return pc.t('Sesi Anda berakhir karena tidak aktif selama 1 jam. Silakan masuk lagi.', 'Your session ended after 1 hour without activity. Please sign in again.');
    if (ended === 'expired') return pc.t('Sesi Anda berakhir setelah 24 jam. Silakan masuk lagi.', 'Your session ended after 24 hours. Please sign in again.');
    return undefined;
  }

  for (const staff of [false, true]) {
    const path = staff ? '/petugas/masuk' : '/masuk';
    app.get(path, { schema: { hide: true } }, async (req, reply) => {
      const pc = pageContext(req, reply);
      const next = safeNext((req.query as Form).next, '');
      const notice = endedNotice(pc, req);
      const activated = !staff && (req.query as Form).aktif === '1'
        ? pc.t('Akun Anda sudah aktif. Masuk dengan NIK dan kata sandi, lalu pasang verifikasi dua langkah.', 'Your account is active. Sign in with your NIK and password, then set up two-step verification.')
        : undefined;
      return sendPage(reply, signInPage(pc, staff, next, notice ? { error: notice } : activated ? { info: activated } : {}));
    });
    app.post(path, { schema: { hide: true } }, async (req, reply) => {
      const pc = pageContext(req, reply);
      const form = (req.body ?? {}) as Form;
      const next = safeNext(form.next, '');
      const raw = (staff ? form.username : form.nik)?.trim() ?? '';
      let login: LoginName;
      if (staff) {
        if (!/^[a-z0-9._-]{3,64}$/i.test(raw)) return sendPage(reply, signInPage(pc, staff, next, { login: raw, loginError: pc.t('Isi nama pengguna petugas.', 'Enter the staff user name.') }), 400);
        login = { kind: 'staff', username: raw };
      } else {
        try {
          login = { kind: 'nik', nik: parseNik(raw.replace(/\s/g, '')) };
        } catch {
          return sendPage(reply, signInPage(pc, staff, next, { login: raw, loginError: pc.t('NIK terdiri dari 16 angka yang valid.', 'A NIK is 16 valid digits.') }), 400);
        }
      }
      const result = await passwordStep(ctx, rt.throttle, { login, password: form.password ?? '', ip: clientIp(req) });
      if (!result.ok) {
        if (result.reason === 'throttled') {
          const wait = minutes(result.retryAfterMs ?? 0);
          void reply.header('retry-after', String(Math.ceil((result.retryAfterMs ?? 0) / 1000)));
          return sendPage(reply, signInPage(pc, staff, next, { login: raw, error: pc.t(`Terlalu banyak percobaan gagal. Coba lagi dalam ${wait} menit.`, `Too many failed attempts. Try again in ${wait} minutes.`) }), 429);
        }
        if (result.reason === 'not_activated') {
          return sendPage(reply, signInPage(pc, staff, next, { login: raw, error: pc.t('Akun Anda belum diaktifkan. Masukkan dulu kode aktivasi di halaman Aktifkan akun (/daftar/aktivasi).', 'Your account is not activated yet. First enter the activation code on the Activate your account page (/daftar/aktivasi).') }), 403);
        }
        return sendPage(reply, signInPage(pc, staff, next, { login: raw, error: pc.t('NIK/nama pengguna atau kata sandi salah.', 'Wrong NIK/user name or password.') }), 401);
      }
      void reply.setCookie(cookies.flow, result.flowToken, cookieOptions(rt, 600));
      const step = result.next === 'second_factor' ? '/masuk/kode' : '/masuk/daftar-otp';
      return reply.redirect(`${step}${next ? `?next=${encodeURIComponent(next)}` : ''}`, 303);
    });
  }

  function codePage(pc: PageContext, next: string, error?: string): string {
    const t = pc.t;
    return renderPage(pc, t('Kode verifikasi', 'Verification code'), html`
      <p>${t('Buka aplikasi autentikator Anda dan masukkan kode 6 angka untuk Portal Simpul. Jika ponsel Anda hilang, masukkan salah satu kode pemulihan.', 'Open your authenticator app and enter the 6-digit code for Portal Simpul. If you lost your phone, enter one of your recovery codes.')}</p>
      <form method="post" action="/masuk/kode" novalidate>
        ${CsrfField(pc)}
        <input type="hidden" name="next" value=${next} />
        ${Field({ name: 'code', label: t('Kode', 'Code'), autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 16, error })}
        ${Button({ children: t('Masuk', 'Sign in') })}
      </form>
      <p><a href="/masuk">${t('Mulai lagi', 'Start again')}</a></p>`);
  }

  app.get('/masuk/kode', { schema: { hide: true } }, async (req, reply) => {
    const pc = pageContext(req, reply);
    return sendPage(reply, codePage(pc, safeNext((req.query as Form).next, '')));
  });

  async function signedIn(reply: FastifyReply, sessionToken: string, accountId: string, next: string): Promise<FastifyReply> {
    void reply.setCookie(cookies.session, sessionToken, cookieOptions(rt));
    void reply.clearCookie(cookies.flow, { path: '/' });
    const account = await getAccount(ctx, accountId);
    return reply.redirect(next || homeFor(account.kind), 303);
  }

  app.post('/masuk/kode', { schema: { hide: true } }, async (req, reply) => {
    const pc = pageContext(req, reply);
    const form = (req.body ?? {}) as Form;
    const next = safeNext(form.next, '');
    const result = await secondFactorStep(ctx, rt.throttle, rt.limits, { flowToken: req.cookies[cookies.flow], code: form.code ?? '', ip: clientIp(req) });
    if (result.ok) return signedIn(reply, result.sessionToken, result.accountId, next);
    if (result.reason === 'flow_expired') return reply.redirect('/masuk', 303);
    if (result.reason === 'throttled') {
      return sendPage(reply, codePage(pc, next, pc.t(`Terlalu banyak percobaan gagal. Coba lagi dalam ${minutes(result.retryAfterMs ?? 0)} menit.`, `Too many failed attempts. Try again in ${minutes(result.retryAfterMs ?? 0)} minutes.`)), 429);
    }
    return sendPage(reply, codePage(pc, next, pc.t('Kode salah atau sudah dipakai. Tunggu kode berikutnya.', 'Wrong or already used code. Wait for the next code.')), 401);
  });

  async function enrolPage(req: FastifyRequest, reply: FastifyReply, next: string, error?: string): Promise<FastifyReply> {
    const pc = pageContext(req, reply);
    const t = pc.t;
    const flow = await totpEnrolment(ctx, req.cookies[cookies.flow], 'NIK');
    if (!flow) return reply.redirect('/masuk', 303);
    return sendPage(reply, renderPage(pc, t('Aktifkan verifikasi dua langkah', 'Turn on two-step verification'), html`
      <p>${t('Untuk melindungi data Anda, setiap masuk memerlukan kode dari aplikasi autentikator (misalnya Google Authenticator, Microsoft Authenticator, FreeOTP).', 'To protect your data, every sign-in needs a code from an authenticator app (for example Google Authenticator, Microsoft Authenticator, FreeOTP).')}</p>
      <ol>
        <li>${t('Pindai kode QR ini dengan aplikasi autentikator.', 'Scan this QR code with the authenticator app.')}</li>
        <li>${t('Masukkan kode 6 angka yang muncul.', 'Enter the 6-digit code it shows.')}</li>
      </ol>
      <div class="qr" role="img" aria-label=${t('Kode QR untuk aplikasi autentikator', 'QR code for the authenticator app')} dangerouslySetInnerHTML=${{ __html: flow.svg }}></div>
      <p>${t('Tidak bisa memindai? Ketik kunci ini di aplikasi:', 'Cannot scan? Type this key into the app:')} <span class="secret" id="totp-secret">${flow.secret}</span></p>
      <form method="post" action="/masuk/daftar-otp" novalidate>
        ${CsrfField(pc)}
        <input type="hidden" name="next" value=${next} />
        ${Field({ name: 'code', label: t('Kode dari aplikasi', 'Code from the app'), autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 6, error })}
        ${Button({ children: t('Aktifkan', 'Turn on') })}
      </form>`), error ? 401 : 200);
  }

  app.get('/masuk/daftar-otp', { schema: { hide: true } }, async (req, reply) => enrolPage(req, reply, safeNext((req.query as Form).next, '')));

  app.post('/masuk/daftar-otp', { schema: { hide: true } }, async (req, reply) => {
    const form = (req.body ?? {}) as Form;
    const next = safeNext(form.next, '');
    const result = await confirmTotpEnrolment(ctx, rt.throttle, rt.limits, { flowToken: req.cookies[cookies.flow], code: form.code ?? '', ip: clientIp(req) });
    if (!result.ok) {
      if (result.reason === 'flow_expired') return reply.redirect('/masuk', 303);
      return enrolPage(req, reply, next, pageContext(req, reply).t('Kode salah. Periksa jam ponsel Anda dan coba kode berikutnya.', 'Wrong code. Check your phone clock and try the next code.'));
    }
    void reply.setCookie(cookies.session, result.sessionToken, cookieOptions(rt));
    void reply.clearCookie(cookies.flow, { path: '/' });
    const account = await getAccount(ctx, result.accountId);
    const pc = { ...pageContext(req, reply), session: null };
    const t = pc.t;
    return sendPage(reply, renderPage(pc, t('Simpan kode pemulihan Anda', 'Save your recovery codes'), html`
      <p>${t('Verifikasi dua langkah aktif. Simpan 10 kode ini di tempat aman: masing-masing dapat dipakai sekali jika Anda kehilangan ponsel. Kode ini tidak akan ditampilkan lagi.', 'Two-step verification is on. Keep these 10 codes somewhere safe: each works once if you lose your phone. They will not be shown again.')}</p>
      <ul class="codes" id="recovery-codes">${result.recoveryCodes.map((c) => html`<li>${c}</li>`)}</ul>
      <p><a class="button" href=${next || homeFor(account.kind)}>${t('Saya sudah menyimpannya, lanjutkan', 'I have saved them, continue')}</a></p>`));
  });

  app.post('/keluar', { schema: { hide: true } }, async (req, reply) => {
    const session = requestState(req).session;
    if (session) {
      if (session.actor) {
        // Ending an assisted session returns the officer to the counter, still signed in.
        await endSession(ctx, session.idHash);
        await recordSignInEvent(ctx, { event: 'assisted_end', outcome: 'success', ip: clientIp(req), accountId: session.account.id, actorId: session.actor.id });
        void reply.clearCookie(cookies.assisted, { path: '/' });
        return reply.redirect('/loket', 303);
      }
      await endSession(ctx, session.idHash);
      await recordSignInEvent(ctx, { event: 'sign_out', outcome: 'success', ip: clientIp(req), accountId: session.account.id });
    }
    void reply.clearCookie(cookies.session, { path: '/' });
    void reply.clearCookie(cookies.assisted, { path: '/' });
    return reply.redirect('/masuk', 303);
  });

  app.get('/bahasa', { schema: { hide: true } }, async (req, reply) => {
    const q = req.query as Form;
    void reply.setCookie(cookies.lang, q.l === 'en' ? 'en' : 'id', { path: '/', sameSite: 'lax', secure: rt.secure, maxAge: 365 * 86_400 });
    return reply.redirect(safeNext(q.next), 303);
  });

  app.get('/akun', { schema: { hide: true } }, async (req, reply) => {
    const session = requireSession(req, reply, ['citizen', 'officer', 'agency_staff']);
    if (!session) return reply;
    const pc = pageContext(req, reply);
    const t = pc.t;
    const q = req.query as Form;
    const passkeys = await ctx.db.selectFrom('passkey').select(['id', 'created_at', 'last_used_at']).where('account_id', '=', session.account.id).orderBy('created_at').execute();
    const totp = await ctx.db.selectFrom('account').select('totp_enrolled_at').where('id', '=', session.account.id).executeTakeFirstOrThrow();
    const events = await ctx.db.selectFrom('sign_in_event').selectAll().where('account_id', '=', session.account.id).orderBy('id', 'desc').limit(20).execute();
    const done = q.ok === 'otp' ? t('Aplikasi autentikator baru sudah aktif.', 'The new authenticator app is on.')
      : q.ok === 'passkey-dihapus' ? t('Passkey sudah dihapus.', 'The passkey has been removed.')
        : q.galat === 'passkey-terakhir' ? t('Passkey ini satu-satunya faktor kedua Anda dan tidak dapat dihapus. Pasang aplikasi autentikator dulu.', 'This passkey is your only second factor and cannot be removed. Set up an authenticator app first.')
          : undefined;
    const assisted = Boolean(session.actor);
    return sendPage(reply, renderPage(pc, t('Akun dan keamanan', 'Account and security'), html`
      <dl class="facts"><dt>${t('Nama', 'Name')}</dt><dd>${session.account.name}</dd>${session.account.nik ? html`<dt>NIK</dt><dd>${session.account.nik}</dd>` : null}</dl>
      <h2>${t('Aplikasi autentikator', 'Authenticator app')}</h2>
      <p id="totp-status">${totp.totp_enrolled_at ? t(`Aktif sejak ${formatTime(pc.lang, totp.totp_enrolled_at)}.`, `On since ${formatTime(pc.lang, totp.totp_enrolled_at)}.`) : t('Belum dipasang.', 'Not set up.')}</p>
      ${totp.totp_enrolled_at && !assisted ? html`<p><a href="/akun/otp">${t('Ganti aplikasi autentikator (misalnya ponsel baru)', 'Change the authenticator app (for example a new phone)')}</a></p>` : null}
      <h2>Passkey</h2>
      ${passkeys.length === 0 ? html`<p>${t('Belum ada passkey.', 'No passkey yet.')}</p>` : html`<ul id="passkeys">${passkeys.map((p, i) => html`<li>
        Passkey ${i + 1}: ${t('dibuat', 'created')} ${formatTime(pc.lang, p.created_at)}${p.last_used_at ? html` · ${t('terakhir dipakai', 'last used')} ${formatTime(pc.lang, p.last_used_at)}` : null}
        ${assisted ? null : html`<form method="post" action="/akun/passkey/hapus" class="inline">${CsrfField(pc)}<input type="hidden" name="id" value=${p.id} />
          <button class="linklike" type="submit">${t(`Hapus passkey ${i + 1}`, `Remove passkey ${i + 1}`)}</button></form>`}
      </li>`)}</ul>`}
      ${assisted ? null : html`${Button({ children: t('Tambah passkey', 'Add a passkey'), type: 'button', id: 'passkey-register', hidden: true,
        data: { working: t('Menunggu passkey…', 'Waiting for the passkey…'), failed: t('Passkey gagal.', 'Passkey failed.'), unsupported: t('Peramban ini tidak mendukung passkey.', 'This browser does not support passkeys.') } })}
      <p id="passkey-status" role="status" aria-live="polite"></p>`}
      <h2>${t('Riwayat masuk', 'Sign-in history')}</h2>
      <div class="table-scroll" tabindex="0" role="region" aria-label=${pc.t('Tabel, dapat digulir', 'Table, scrollable')}><table>
        <caption>${t('20 kejadian terakhir', 'Last 20 events')}</caption>
        <thead><tr><th scope="col">${t('Waktu', 'Time')}</th><th scope="col">${t('Kejadian', 'Event')}</th><th scope="col">${t('Hasil', 'Outcome')}</th></tr></thead>
        <tbody>${events.map((e) => html`<tr><td>${formatTime(pc.lang, e.time)}</td><td>${e.event}${e.actor_id ? ` (${t('berbantuan', 'assisted')})` : ''}</td><td>${e.outcome}</td></tr>`)}</tbody>
      </table></div>`, { scripts: [ASSETS.webauthn, ASSETS.passkey], ...(done ? { notice: { kind: q.galat ? 'alert' as const : 'notice' as const, text: done } } : {}) }));
  });

  /** The signed-in person's own session, never an officer's assisted one: factors are personal. */
  function ownSession(req: FastifyRequest, reply: FastifyReply) {
    const session = requireSession(req, reply, ['citizen', 'officer', 'agency_staff']);
    if (!session) return undefined;
    if (session.actor) {
      const pc = pageContext(req, reply);
      void sendPage(reply, renderPage(pc, pc.t('Akses tidak diizinkan', 'Access not allowed'), html`<p>${pc.t('Faktor masuk hanya dapat diubah oleh pemilik akun sendiri, bukan dalam layanan berbantuan.', 'Sign-in factors can only be changed by the account holder, not in an assisted session.')}</p>`), 403);
      return undefined;
    }
    return session;
  }

  function currentFactorPage(pc: PageContext, error?: string): string {
    const t = pc.t;
    return renderPage(pc, t('Ganti aplikasi autentikator', 'Change the authenticator app'), html`
      <p>${t('Untuk memastikan ini Anda, masukkan dulu kode 6 angka dari aplikasi autentikator yang sekarang. Jika ponsel lama hilang, masukkan salah satu kode pemulihan.', 'To make sure it is you, first enter the 6-digit code from your current authenticator app. If you lost the old phone, enter one of your recovery codes.')}</p>
      <form method="post" action="/akun/otp" novalidate>
        ${CsrfField(pc)}
        ${Field({ name: 'code', label: t('Kode saat ini atau kode pemulihan', 'Current code or recovery code'), autocomplete: 'one-time-code', maxlength: 16, error })}
        ${Button({ children: t('Lanjut', 'Continue') })}
      </form>
      <p><a href="/akun">${t('Batal', 'Cancel')}</a></p>`, error ? { notice: { kind: 'alert', text: error } } : {});
  }

  app.get('/akun/otp', { schema: { hide: true } }, async (req, reply) => {
    if (!ownSession(req, reply)) return reply;
    return sendPage(reply, currentFactorPage(pageContext(req, reply)));
  });

  app.post('/akun/otp', { schema: { hide: true } }, async (req, reply) => {
    const session = ownSession(req, reply);
    if (!session) return reply;
    const pc = pageContext(req, reply);
    const result = await proveCurrentFactor(ctx, rt.throttle, { accountId: session.account.id, code: ((req.body ?? {}) as Form).code ?? '', ip: clientIp(req) });
    if (result.ok) {
      void reply.setCookie(cookies.flow, result.flowToken, cookieOptions(rt, 600));
      return reply.redirect('/akun/otp/baru', 303);
    }
    if (result.reason === 'no_totp') return sendPage(reply, currentFactorPage(pc, pc.t('Akun ini belum memakai aplikasi autentikator.', 'This account has no authenticator app yet.')), 409);
    if (result.reason === 'throttled') {
      void reply.header('retry-after', String(Math.ceil((result.retryAfterMs ?? 0) / 1000)));
      return sendPage(reply, currentFactorPage(pc, pc.t(`Terlalu banyak percobaan gagal. Coba lagi dalam ${minutes(result.retryAfterMs ?? 0)} menit.`, `Too many failed attempts. Try again in ${minutes(result.retryAfterMs ?? 0)} minutes.`)), 429);
    }
    return sendPage(reply, currentFactorPage(pc, pc.t('Kode salah atau sudah dipakai. Tunggu kode berikutnya.', 'Wrong or already used code. Wait for the next code.')), 401);
  });

  async function newAuthenticatorPage(req: FastifyRequest, reply: FastifyReply, accountId: string, error?: string): Promise<FastifyReply> {
    const pc = pageContext(req, reply);
    const t = pc.t;
    const flow = await reenrolmentSecret(ctx, accountId, req.cookies[cookies.flow], 'NIK');
    if (!flow) return reply.redirect('/akun/otp', 303);
    return sendPage(reply, renderPage(pc, t('Pasang aplikasi autentikator baru', 'Set up the new authenticator app'), html`
      <ol>
        <li>${t('Pindai kode QR ini dengan aplikasi autentikator di ponsel baru.', 'Scan this QR code with the authenticator app on the new phone.')}</li>
        <li>${t('Masukkan kode 6 angka yang muncul. Aplikasi lama tidak berlaku lagi setelah itu.', 'Enter the 6-digit code it shows. The old app stops working after that.')}</li>
      </ol>
      <div class="qr" role="img" aria-label=${t('Kode QR untuk aplikasi autentikator', 'QR code for the authenticator app')} dangerouslySetInnerHTML=${{ __html: flow.svg }}></div>
      <p>${t('Tidak bisa memindai? Ketik kunci ini di aplikasi:', 'Cannot scan? Type this key into the app:')} <span class="secret" id="totp-secret">${flow.secret}</span></p>
      <form method="post" action="/akun/otp/baru" novalidate>
        ${CsrfField(pc)}
        ${Field({ name: 'code', label: t('Kode dari aplikasi baru', 'Code from the new app'), autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 6, error })}
        ${Button({ children: t('Aktifkan', 'Turn on') })}
      </form>`, error ? { notice: { kind: 'alert', text: error } } : {}), error ? 401 : 200);
  }

  app.get('/akun/otp/baru', { schema: { hide: true } }, async (req, reply) => {
    const session = ownSession(req, reply);
    if (!session) return reply;
    return newAuthenticatorPage(req, reply, session.account.id);
  });

  app.post('/akun/otp/baru', { schema: { hide: true } }, async (req, reply) => {
    const session = ownSession(req, reply);
    if (!session) return reply;
    const result = await confirmTotpReenrolment(ctx, { accountId: session.account.id, flowToken: req.cookies[cookies.flow], code: ((req.body ?? {}) as Form).code ?? '', ip: clientIp(req) });
    if (!result.ok) {
      if (result.reason === 'flow_expired') return reply.redirect('/akun/otp', 303);
      return newAuthenticatorPage(req, reply, session.account.id, pageContext(req, reply).t('Kode salah. Periksa jam ponsel Anda dan coba kode berikutnya.', 'Wrong code. Check your phone clock and try the next code.'));
    }
    void reply.clearCookie(cookies.flow, { path: '/' });
    const pc = pageContext(req, reply);
    const t = pc.t;
    return sendPage(reply, renderPage(pc, t('Simpan kode pemulihan baru Anda', 'Save your new recovery codes'), html`
      <p>${t('Aplikasi autentikator baru aktif. Kode pemulihan lama tidak berlaku lagi; simpan 10 kode baru ini di tempat aman. Kode ini tidak akan ditampilkan lagi.', 'The new authenticator app is on. The old recovery codes no longer work; keep these 10 new codes somewhere safe. They will not be shown again.')}</p>
      <ul class="codes" id="recovery-codes">${result.recoveryCodes.map((c) => html`<li>${c}</li>`)}</ul>
      <p><a class="button" href="/akun?ok=otp">${t('Saya sudah menyimpannya, lanjutkan', 'I have saved them, continue')}</a></p>`));
  });

  app.post('/akun/passkey/hapus', { schema: { hide: true } }, async (req, reply) => {
    const session = ownSession(req, reply);
    if (!session) return reply;
    const id = ((req.body ?? {}) as Form).id ?? '';
    const result = await removePasskey(ctx, { accountId: session.account.id, passkeyId: id, ip: clientIp(req) });
    if (result.ok) return reply.redirect('/akun?ok=passkey-dihapus', 303);
    if (result.reason === 'last_factor') return reply.redirect('/akun?galat=passkey-terakhir', 303);
    throw new SimpulError('request.not_found', 'No such passkey on this account.');
  });

  // Passkey JSON endpoints: CSRF token in the x-csrf-token header, problem+json errors.
  app.post('/api/passkey/register/options', { schema: { hide: true } }, async (req, reply) => {
    const session = requestState(req).session;
    if (!session || session.actor) throw new SimpulError('auth.unauthenticated', 'Sign in first; passkeys cannot be added in an assisted session.');
    const { options, flowToken } = await passkeyRegistrationOptions(ctx, rt.rp, session.account);
    void reply.setCookie(cookies.passkey, flowToken, cookieOptions(rt, 300));
    return options;
  });
  app.post('/api/passkey/register/verify', { schema: { hide: true } }, async (req, reply) => {
    const session = requestState(req).session;
    if (!session || session.actor) throw new SimpulError('auth.unauthenticated', 'Sign in first.');
    const ok = await registerPasskey(ctx, rt.rp, session.account, req.cookies[cookies.passkey], req.body as RegistrationResponseJSON, clientIp(req));
    void reply.clearCookie(cookies.passkey, { path: '/' });
    if (!ok) throw new SimpulError('request.invalid', 'The passkey could not be verified.');
    return { next: '/akun' };
  });
  app.post('/api/passkey/sign-in/options', { schema: { hide: true } }, async (_req, reply) => {
    const { options, flowToken } = await passkeySignInOptions(ctx, rt.rp);
    void reply.setCookie(cookies.passkey, flowToken, cookieOptions(rt, 300));
    return options;
  });
  app.post('/api/passkey/sign-in/verify', { schema: { hide: true } }, async (req, reply) => {
    const result = await signInWithPasskey(ctx, rt.rp, rt.limits, req.cookies[cookies.passkey], req.body as AuthenticationResponseJSON, clientIp(req));
    void reply.clearCookie(cookies.passkey, { path: '/' });
    if (!result) throw new SimpulError('auth.unauthenticated', 'The passkey was not accepted.');
    void reply.setCookie(cookies.session, result.sessionToken, cookieOptions(rt));
    const account = await getAccount(ctx, result.accountId);
    return { next: homeFor(account.kind) };
  });
}
