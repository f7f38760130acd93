// Who is signed in. The bearer token lives in sessionStorage (this tab only,
// gone when it closes), never in localStorage or a cookie.
//
// OpenID Connect authorization code with PKCE (S256) against the issuer the
// API trusts, deployed and locally alike (locally: the local provider); the ID
// token (it carries email and email_verified) is the bearer.

const SESSION = "roster.session";
const PENDING = "roster.oidc";
const NEXT = "roster.next";
// Set when the person asked to sign in as someone else: the provider must ask
// again instead of signing its current session straight back in.
const SWITCH = "roster.switch";

let settingsPromise;
export function settings() {
  settingsPromise ||= fetch("/app/config.json").then((r) => r.json());
  return settingsPromise;
}

function claimsOf(jwt) {
  const part = jwt.split(".")[1] || "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(decodeURIComponent(escape(json)));
}

export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION) || "null");
    if (s && s.exp * 1000 > Date.now() + 5000) return s;
  } catch { /* a damaged entry is no session */ }
  sessionStorage.removeItem(SESSION);
  return null;
}

function keep(token) {
  const claims = claimsOf(token);
  const s = { token, email: claims.email, sub: claims.sub, exp: claims.exp };
  sessionStorage.setItem(SESSION, JSON.stringify(s));
  return s;
}

// Only a path of this console: never an open redirect to elsewhere.
function isConsolePath(path) {
  return typeof path === "string" && /^\/app(\/[^/\\]|$|\?)/.test(path);
}

// Where to come back to after signing in (the accept link with its token).
export function rememberNext(next) {
  if (isConsolePath(next)) sessionStorage.setItem(NEXT, next);
}
export function takeNext() {
  const next = sessionStorage.getItem(NEXT);
  sessionStorage.removeItem(NEXT);
  return isConsolePath(next) ? next : "/app";
}

export function signOutTo(next) {
  sessionStorage.removeItem(SESSION);
  sessionStorage.setItem(SWITCH, "1");
  rememberNext(next);
}

export function signOut() {
  sessionStorage.removeItem(SESSION);
  sessionStorage.removeItem(NEXT);
}

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString() {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

function redirectUri() {
  return `${location.origin}/app/callback`;
}

export async function startOidc(oidc) {
  const verifier = randomString();
  const state = randomString();
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier }));
  const url = new URL(oidc.authorize_url);
  const params = new URLSearchParams({
    response_type: "code",
    client_id: oidc.client_id,
    redirect_uri: redirectUri(),
    scope: oidc.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  if (sessionStorage.getItem(SWITCH)) params.set("prompt", "login");
  sessionStorage.removeItem(SWITCH);
  url.search = params.toString();
  location.assign(url.toString());
}

export async function completeOidc(oidc, params) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  // Anyone can link to this page with an error_description of their choosing:
  // nothing from the URL is shown until its state proves this tab started the sign-in.
  const state = params.get("state");
  if (!pending || !state || pending.state !== state) throw new Error("This sign-in did not start here; sign in again.");
  if (params.get("error")) throw new Error(params.get("error_description") || params.get("error"));
  const resp = await fetch(oidc.token_url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code") || "",
      redirect_uri: redirectUri(),
      client_id: oidc.client_id,
      code_verifier: pending.verifier,
    }),
  });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok || !data.id_token) throw new Error(data.error_description || "The identity provider refused the sign-in.");
  return keep(data.id_token);
}
