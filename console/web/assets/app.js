// The console's entry: a small router over the History API. Pages live under
// /app/ (the mails link to /app/invitations/accept and /app/orgs/<slug>/tokens);
// the API is on the same origin at its own paths.
import { h, replace } from "./ui.js";
import { session, signOut, rememberNext } from "./auth.js";
import { signinScreen, callbackScreen } from "./signin.js";
import { orgsScreen } from "./orgs.js";
import { acceptScreen } from "./accept.js";
import { orgScreen } from "./org.js";

const routes = [
  [/^\/app$/, orgsScreen, true],
  [/^\/app\/signin$/, signinScreen, false],
  [/^\/app\/callback$/, callbackScreen, false],
  [/^\/app\/invitations\/accept$/, acceptScreen, true],
  [/^\/app\/orgs\/([a-z0-9-]+)(?:\/(members|invitations|tokens|api-keys|directory|webhooks|audit))?$/, orgScreen, true],
];

export function navigate(path, { replaceState = false } = {}) {
  if (replaceState) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  render(true);
}

function accountNav() {
  const nav = document.getElementById("account");
  const s = session();
  replace(nav,
    h("a", { href: "/app/api" }, "API reference"),
    s ? [
      h("span", { class: "who" }, s.email),
      h("button", { type: "button", class: "link", onclick: () => { signOut(); navigate("/app/signin"); } }, "Sign out"),
    ] : null);
}

let renderCount = 0;
async function render(moveFocus) {
  const ticket = ++renderCount;
  const main = document.getElementById("main");
  // One trailing slash is the same page (/app/ is /app): shown without it.
  if (/^\/app(\/.*)?\/$/.test(location.pathname)) {
    history.replaceState(null, "", location.pathname.slice(0, -1) + location.search + location.hash);
  }
  const path = location.pathname;
  const route = routes.find(([re]) => re.test(path));
  accountNav();
  if (!route) {
    replace(main, h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "/app" }, "Your organizations")));
    return;
  }
  const [re, screen, needsSignIn] = route;
  if (needsSignIn && !session()) {
    rememberNext(path + location.search);
    navigate("/app/signin", { replaceState: true });
    return;
  }
  const params = path.match(re).slice(1);
  const query = new URLSearchParams(location.search);
  const view = h("div", { class: "screen" });
  replace(main, view);
  await screen(view, { params, query, navigate, stale: () => ticket !== renderCount });
  if (moveFocus && ticket === renderCount) {
    const heading = main.querySelector("h1");
    if (heading) { heading.tabIndex = -1; heading.focus(); }
  }
}

document.addEventListener("click", (event) => {
  const a = event.target.closest("a[href]");
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !/^\/app(\/|$)/.test(url.pathname) || /^\/app\/api\/?$/.test(url.pathname)) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener("popstate", () => render(true));
render(false);
