// Signing in: the dev form locally, the identity provider when deployed.
import { h, replace, field, problemBox } from "./ui.js";
import { settings, devSignIn, startOidc, completeOidc, takeNext } from "./auth.js";

export async function signinScreen(view, { navigate }) {
  const config = await settings();
  if (config.sign_in === "oidc") {
    replace(view,
      h("h1", {}, "Sign in"),
      h("p", {}, "Sign in with your organization's account to continue."),
      h("button", { type: "button", onclick: () => startOidc(config.oidc) }, "Sign in"));
    return;
  }
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "email" });
  const out = h("div");
  const form = h("form", { class: "card narrow", onsubmit: async (e) => {
    e.preventDefault();
    try {
      await devSignIn(email.value);
      navigate(takeNext(), { replaceState: true });
    } catch (err) {
      replace(out, problemBox(err));
    }
  } },
  field("Email", email, "Local development only: any address signs in as that person, email verified."),
  h("button", { type: "submit" }, "Sign in"), out);
  replace(view, h("h1", {}, "Sign in (development)"), form);
  email.focus();
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
