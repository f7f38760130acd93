// An organization's pages: a heading, the tabs the caller's role may use, and
// the tab's screen. Nothing the caller may not do is offered.
import { h, replace, problemBox, ROLE_NAMES } from "./ui.js";
import { api } from "./client.js";
import { membersScreen } from "./members.js";
import { invitationsScreen } from "./invitations.js";
import { tokensScreen } from "./tokens.js";

// Admins' own tabs load when opened: a first visit downloads only what most
// people see (tests/browser/test_console_deploy.py holds its size).
const later = (module, name) => async (view, ctx) => (await import(module))[name](view, ctx);

const TABS = {
  members: { label: "Users", roles: ["admin", "billing_manager"], screen: membersScreen },
  invitations: { label: "Invitations", roles: ["admin"], screen: invitationsScreen },
  tokens: { label: "Token access", roles: ["admin", "billing_manager", "member"], screen: tokensScreen },
  "api-keys": { label: "API keys", roles: ["admin"], screen: later("./api-keys.js", "apiKeysScreen") },
  directory: { label: "Directory sync", roles: ["admin"], screen: later("./directory.js", "directoryScreen") },
  webhooks: { label: "Webhooks", roles: ["admin"], screen: later("./webhooks.js", "webhooksScreen") },
  audit: { label: "Audit log", roles: ["admin"], screen: later("./audit.js", "auditScreen") },
};

export async function orgScreen(view, ctx) {
  const [slug, tab] = ctx.params;
  let me;
  try {
    const { items } = await api("GET", "/me/orgs");
    me = items.find((it) => it.org.slug === slug);
  } catch (err) {
    replace(view, h("h1", {}, "Organization"), problemBox(err));
    return;
  }
  if (ctx.stale()) return;
  if (!me) {
    replace(view, h("h1", {}, "Organization not found"),
      h("p", {}, "You are not a member of this organization, or it does not exist. ", h("a", { href: "/app" }, "Your organizations")));
    return;
  }
  const allowed = Object.entries(TABS).filter(([, t]) => t.roles.includes(me.role));
  const current = tab && TABS[tab] && TABS[tab].roles.includes(me.role) ? tab : null;
  if (!current) {
    ctx.navigate(`/app/orgs/${slug}/${allowed[0][0]}`, { replaceState: true });
    return;
  }
  const body = h("div", { class: "tab-body" });
  replace(view,
    h("p", { class: "crumbs" }, h("a", { href: "/app" }, "Organizations"), " / ", me.org.name),
    h("h1", {}, `${TABS[current].label} · ${me.org.name}`),
    h("p", { class: "muted" }, `You are ${ROLE_NAMES[me.role]}${me.seat ? ", with a seat" : ", without a seat"}.`),
    h("nav", { class: "tabs", "aria-label": "Organization" },
      allowed.map(([key, t]) => h("a", { href: `/app/orgs/${slug}/${key}`, "aria-current": key === current ? "page" : null }, t.label))),
    body);
  await TABS[current].screen(body, { ...ctx, slug, me, reload: () => orgScreen(view, ctx) });
}
