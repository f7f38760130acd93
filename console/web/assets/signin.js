// Signing in: through the identity provider (the local one under make dev).
import { h, replace, problemBox } from "./ui.js";
import { settings, startOidc, completeOidc, takeNext } from "./auth.js";

export async function signinScreen(view) {
  const config = await settings();
  replace(view,
    h("h1", {}, "Sign in"),
    h("p", {}, "Sign in with your organization's account to continue. No account yet? " +
      "Create one there with the address your invitation was sent to."),
    h("button", { type: "button", onclick: () => startOidc(config.oidc) }, "Sign in"));
}

export async function callbackScreen(view, { query, navigate }) {
  const config = await settings();
  replace(view, h("h1", {}, "Signing in…"));
  try {
    await completeOidc(config.oidc, query);
    navigate(takeNext(), { replaceState: true });
  } catch (err) {
    replace(view, h("h1", {}, "Sign-in failed"), problemBox(err),
      h("p", {}, h("a", { href: "/app/signin" }, "Try again")));
  }
}
