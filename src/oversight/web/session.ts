/** The console's session cookie: the person's registry token (httpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'oversight_session';
