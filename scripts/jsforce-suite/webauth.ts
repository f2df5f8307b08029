// Stands in for jsforce's browser login helper (test/helper/webauth), which drives Chrome through puppeteer:
// the same steps over HTTP against the ContactBridge emulator's own pages — its login form, then its
// consent form — following redirects by hand until the callback URL, whose query it returns.
const hidden = /<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g;

function decode(text: string) {
  return text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function form(html: string, id: string): { action: string; fields: Record<string, string> } | undefined {
  const match = new RegExp(`<form[^>]*id="${id}"[^>]*>([\\s\\S]*?)</form>`).exec(html);
  if (!match) return undefined;
  const action = /action="([^"]+)"/.exec(match[0])?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const m of match[1].matchAll(hidden)) fields[m[1]] = decode(m[2]);
  return { action: decode(action), fields };
}

export default async function authorize(url: string, username: string, password: string) {
  const cookies = new Map<string, string>();
  async function go(target: string, body?: Record<string, string>): Promise<Response> {
    const response = await fetch(target, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: body ? new URLSearchParams(body).toString() : undefined,
    });
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return response;
  }
  let current = url;
  let response = await go(current);
  for (let step = 0; step < 10; step++) {
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location')!, current).toString();
      const here = new URL(current);
      if (new URL(location).host !== here.host && !location.includes('/services/oauth2/') && !location.includes('/login')) {
        return Object.fromEntries(new URL(location).searchParams);
      }
      current = location;
      response = await go(current);
      continue;
    }
    const html = await response.text();
    const login = form(html, 'login_form');
    const consent = form(html, 'oauth_consent');
    if (login) {
      current = new URL(login.action, current).toString();
      response = await go(current, { ...login.fields, username, pw: password });
    } else if (consent) {
      current = new URL(consent.action, current).toString();
      response = await go(current, { ...consent.fields, decision: 'allow' });
    } else {
      throw new Error(`The emulator's authorize pages ended without a callback (HTTP ${response.status}): ${html.slice(0, 300)}`);
    }
  }
  throw new Error('Too many steps through the authorize pages.');
}
