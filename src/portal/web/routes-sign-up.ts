/**
 * Self-registration pages (ADR 0069): `/daftar` (NIK, name as on the KTP-el, password) checked
 * against DUKCAPIL through the portal's gateway, then `/daftar/aktivasi` for the code that
 * arrived through another channel; TOTP enrolment follows at the first sign-in.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseNik, type Nik } from '../../core/ids.js';
import type { HttpApp } from '../../core/http/app.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/passwords.js';
import { activate, signUp, type SignUpRefusal } from '../auth/sign-up.js';
import { html } from './html.js';
import { Button, CsrfField, Field, renderPage, type PageContext } from './page.js';
import { clientIp, pageContext, sendPage, type WebRuntime } from './runtime.js';

type Form = Record<string, string | undefined>;
type Errors = Partial<Record<'nik' | 'name' | 'password' | 'password2' | 'code', string>>;

function minutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}

export function registerSignUpRoutes(app: HttpApp, rt: WebRuntime): void {
  const deps = () => ({ ctx: rt.ctx, gateway: rt.gateway, channel: rt.activationChannel!, throttle: rt.throttle, policy: rt.signUp });

  function signUpPage(pc: PageContext, values: Form = {}, errors: Errors = {}, alert?: string): string {
    const t = pc.t;
    if (!rt.activationChannel) {
      return renderPage(pc, t('Daftar akun', 'Create an account'), html`<p>${t('Pendaftaran mandiri belum dibuka di portal ini. Silakan datang ke loket layanan terdekat dengan KTP-el Anda.', 'Self-registration is not open on this portal. Please visit the nearest service counter with your e-ID card.')}</p>`);
    }
    const notice = alert ? { kind: 'alert' as const, text: alert } : undefined;
    return renderPage(pc, t('Daftar akun', 'Create an account'), html`
      <p>${t('Data Anda dicocokkan dengan data kependudukan Dukcapil. Setelah itu kami mengirim kode aktivasi melalui saluran terpisah (SMS ke nomor yang terdaftar dengan NIK Anda).', 'Your details are matched with Dukcapil\'s population register. We then send an activation code through a separate channel (SMS to the number registered with your NIK).')}</p>
      <form method="post" action="/daftar" novalidate>
        ${CsrfField(pc)}
        ${Field({ name: 'nik', label: 'NIK', hint: t('16 angka, sesuai KTP-el Anda.', '16 digits, as on your e-ID card.'), value: values.nik, autocomplete: 'username', inputmode: 'numeric', maxlength: 16, error: errors.nik })}
        ${Field({ name: 'name', label: t('Nama lengkap', 'Full name'), hint: t('Tulis seperti tercetak di KTP-el.', 'As printed on your e-ID card.'), value: values.name, autocomplete: 'name', maxlength: 120, error: errors.name })}
        ${Field({ name: 'password', label: t('Kata sandi', 'Password'), type: 'password', hint: t(`Paling sedikit ${PASSWORD_MIN_LENGTH} karakter.`, `At least ${PASSWORD_MIN_LENGTH} characters.`), autocomplete: 'new-password', error: errors.password })}
        ${Field({ name: 'password2', label: t('Ulangi kata sandi', 'Repeat the password'), type: 'password', autocomplete: 'new-password', error: errors.password2 })}
        ${Button({ children: t('Daftar', 'Sign up') })}
      </form>
      <p><a href="/masuk">${t('Sudah punya akun? Masuk', 'Already have an account? Sign in')}</a> · <a href="/daftar/aktivasi">${t('Masukkan kode aktivasi', 'Enter an activation code')}</a></p>`, notice ? { notice } : {});
  }

  function refusal(pc: PageContext, reason: SignUpRefusal, retryAfterMs = 0): { status: number; text: string; errors?: Errors } {
    const t = pc.t;
    switch (reason) {
      case 'unknown_nik': {
        const text = t('NIK tidak ditemukan dalam data kependudukan Dukcapil. Periksa kembali NIK pada KTP-el Anda.', 'This NIK is not in Dukcapil\'s population register. Check the NIK on your e-ID card.');
        return { status: 422, text, errors: { nik: text } };
      }
      case 'name_mismatch': {
        const text = t('Nama tidak sesuai dengan data kependudukan untuk NIK ini. Tulis nama lengkap persis seperti di KTP-el.', 'The name does not match the population register for this NIK. Write your full name exactly as on your e-ID card.');
        return { status: 422, text, errors: { name: text } };
      }
      case 'deceased':
        return { status: 422, text: t('NIK ini tercatat atas nama penduduk yang telah meninggal dunia. Hubungi Dinas Dukcapil setempat bila ini keliru.', 'This NIK is recorded as belonging to a deceased person. Contact your local Dukcapil office if this is wrong.') };
      case 'exists':
        return { status: 409, text: t('Sudah ada akun untuk NIK ini. Silakan masuk.', 'There is already an account for this NIK. Please sign in.') };
      case 'pending':
        return { status: 409, text: t('NIK ini sudah didaftarkan dan menunggu aktivasi. Masukkan kode aktivasi yang dikirim kepada Anda.', 'This NIK has been registered and awaits activation. Enter the activation code sent to you.') };
      case 'throttled':
        return { status: 429, text: t(`Terlalu banyak percobaan dari perangkat ini. Coba lagi dalam ${minutes(retryAfterMs)} menit.`, `Too many attempts from this device. Try again in ${minutes(retryAfterMs)} minutes.`) };
      case 'registry_unavailable':
        return { status: 503, text: t('Data kependudukan Dukcapil sedang tidak dapat dihubungi. Coba lagi beberapa saat lagi.', 'Dukcapil\'s population register cannot be reached right now. Try again in a moment.') };
    }
  }

  app.get('/daftar', { schema: { hide: true } }, async (req, reply) => sendPage(reply, signUpPage(pageContext(req, reply))));

  app.post('/daftar', { schema: { hide: true } }, async (req, reply) => {
    const pc = pageContext(req, reply);
    const t = pc.t;
    if (!rt.activationChannel) return sendPage(reply, signUpPage(pc), 503);
    const form = (req.body ?? {}) as Form;
    const values = { nik: form.nik?.trim() ?? '', name: form.name?.trim() ?? '' };
    const errors: Errors = {};
    let nik: Nik | undefined;
    try {
      nik = parseNik(values.nik.replace(/\s/g, ''));
    } catch {
      errors.nik = t('NIK terdiri dari 16 angka yang valid.', 'A NIK is 16 valid digits.');
    }
    if (values.name.length < 2 || values.name.length > 120) errors.name = t('Isi nama lengkap Anda.', 'Enter your full name.');
    const password = form.password ?? '';
    if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
      errors.password = t(`Kata sandi terdiri dari ${PASSWORD_MIN_LENGTH} sampai ${PASSWORD_MAX_LENGTH} karakter.`, `A password has ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`);
    } else if (password !== (form.password2 ?? '')) {
      errors.password2 = t('Kedua kata sandi tidak sama.', 'The two passwords differ.');
    }
    if (Object.keys(errors).length || !nik) return sendPage(reply, signUpPage(pc, values, errors, t('Periksa isian yang ditandai.', 'Check the marked fields.')), 400);
    const result = await signUp(deps(), { nik, name: values.name, password, ip: clientIp(req) });
    if (result.ok) return reply.redirect('/daftar/aktivasi?dikirim=1', 303);
    const { status, text, errors: fieldErrors } = refusal(pc, result.reason, result.retryAfterMs);
    if (result.reason === 'throttled') void reply.header('retry-after', String(Math.ceil((result.retryAfterMs ?? 0) / 1000)));
    return sendPage(reply, signUpPage(pc, values, fieldErrors ?? {}, text), status);
  });

  function activationPage(pc: PageContext, values: Form = {}, errors: Errors = {}, message?: { kind: 'notice' | 'alert'; text: string }): string {
    const t = pc.t;
    return renderPage(pc, t('Aktifkan akun', 'Activate your account'), html`
      <p>${t('Masukkan NIK Anda dan kode aktivasi 6 angka yang kami kirim melalui saluran terpisah. Jangan berikan kode ini kepada siapa pun.', 'Enter your NIK and the 6-digit activation code we sent through a separate channel. Never give this code to anyone.')}</p>
      <form method="post" action="/daftar/aktivasi" novalidate>
        ${CsrfField(pc)}
        ${Field({ name: 'nik', label: 'NIK', value: values.nik, autocomplete: 'username', inputmode: 'numeric', maxlength: 16, error: errors.nik })}
        ${Field({ name: 'code', label: t('Kode aktivasi', 'Activation code'), autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 6, error: errors.code })}
        ${Button({ children: t('Aktifkan', 'Activate') })}
      </form>
      <p>${t('Kode tidak sampai atau kedaluwarsa? Daftar ulang setelah kode lama kedaluwarsa, atau minta kode baru di loket layanan dengan membawa KTP-el.', 'No code, or it expired? Sign up again once the old code has expired, or ask for a new code at a service counter with your e-ID card.')}</p>`,
      message ? { notice: message } : {});
  }

  app.get('/daftar/aktivasi', { schema: { hide: true } }, async (req, reply) => {
    const pc = pageContext(req, reply);
    const sent = (req.query as Form).dikirim === '1';
    const ttl = minutes(rt.signUp.activationTtlMs);
    return sendPage(reply, activationPage(pc, {}, {}, sent
      ? { kind: 'notice', text: pc.t(`Data Anda cocok dengan data kependudukan. Kode aktivasi telah dikirim dan berlaku ${ttl} menit.`, `Your details match the population register. The activation code has been sent and is valid for ${ttl} minutes.`) }
      : undefined));
  });

  app.post('/daftar/aktivasi', { schema: { hide: true } }, async (req: FastifyRequest, reply: FastifyReply) => {
    const pc = pageContext(req, reply);
    const t = pc.t;
    const form = (req.body ?? {}) as Form;
    const values = { nik: form.nik?.trim() ?? '' };
    let nik: Nik;
    try {
      nik = parseNik(values.nik.replace(/\s/g, ''));
    } catch {
      const text = t('NIK terdiri dari 16 angka yang valid.', 'A NIK is 16 valid digits.');
      return sendPage(reply, activationPage(pc, values, { nik: text }, { kind: 'alert', text }), 400);
    }
    const result = await activate({ ctx: rt.ctx, throttle: rt.throttle }, { nik, code: form.code ?? '', ip: clientIp(req) });
    if (result.ok) return reply.redirect('/masuk?aktif=1', 303);
    if (result.reason === 'already_active') return reply.redirect('/masuk?aktif=1', 303);
    if (result.reason === 'throttled') {
      void reply.header('retry-after', String(Math.ceil((result.retryAfterMs ?? 0) / 1000)));
      const text = t(`Terlalu banyak percobaan gagal. Coba lagi dalam ${minutes(result.retryAfterMs ?? 0)} menit.`, `Too many failed attempts. Try again in ${minutes(result.retryAfterMs ?? 0)} minutes.`);
      return sendPage(reply, activationPage(pc, values, {}, { kind: 'alert', text }), 429);
    }
    if (result.reason === 'expired') {
      const text = t('Kode aktivasi sudah kedaluwarsa atau terlalu sering salah. Daftar ulang untuk mendapat kode baru, atau minta kode baru di loket layanan.', 'The activation code has expired or was mistyped too often. Sign up again for a new code, or ask for one at a service counter.');
      return sendPage(reply, activationPage(pc, values, { code: text }, { kind: 'alert', text }), 410);
    }
    const text = t('Kode aktivasi salah. Periksa pesan yang Anda terima dan coba lagi.', 'Wrong activation code. Check the message you received and try again.');
    return sendPage(reply, activationPage(pc, values, { code: text }, { kind: 'alert', text }), 401);
  });
}
