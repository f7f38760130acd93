// Directory sync (admins): connect an identity provider over SCIM. The base
// URL, directory keys (created here, shown once, revocable, last use), the
// directory's groups with what each grants (linked here), the last sync
// activity and any change the org's rules refused.
import { h, replace, field, problemBox, announce, date, button } from "./ui.js";
import { api, enc } from "./client.js";
import { confirmDialog, secretDialog } from "./dialogs.js";

const GRANTS = [
  ["", "Nothing (not linked)"],
  ["admin", "Account Admin"],
  ["billing_manager", "Billing Manager"],
  ["seat", "Has a seat"],
];

export async function directoryScreen(view, ctx) {
  const { slug } = ctx;
  const out = h("div");
  const summary = h("div", { "aria-busy": "true" }, "Loading…");
  const keys = h("div");
  const groups = h("div");
  const activity = h("div");
  const show = (err) => replace(out, problemBox(err));
  const refresh = async () => {
    try {
      const [dir, keyPage, audit] = await Promise.all([
        api("GET", `/orgs/${slug}/directory`),
        api("GET", `/orgs/${slug}/api-keys`, { query: { limit: 200 } }),
        api("GET", `/orgs/${slug}/audit`, { query: { limit: 200 } }),
      ]);
      if (ctx.stale()) return;
      const base = `${window.location.origin}${dir.scim_base_path}`;
      replace(summary,
        h("h2", {}, "Connection"),
        h("p", {}, "SCIM base URL: ", h("code", { class: "scim-base" }, base)),
        h("p", { class: "muted" }, `${dir.users} directory users (${dir.active_users} active, ${dir.awaiting_sign_in} not signed in yet).`));
      summary.removeAttribute("aria-busy");
      replace(keys, keyList(keyPage.items.filter((k) => k.scope === "scim"), slug, refresh, show));
      replace(groups, groupTable(dir.groups, slug, refresh, show));
      const events = audit.items.filter((e) => e.action.startsWith("directory."));
      replace(activity, ...activityLists(events));
    } catch (err) { show(err); }
  };
  replace(view,
    h("p", {}, "Let your identity provider (Okta, Entra ID) manage this organization's members over SCIM 2.0. ",
      "Users it provisions are members at once, bound by email; link its groups to a role or a seat below."),
    out, summary, createForm(slug, refresh, show), keys, groups, activity);
  await refresh();
}

// A directory key that expires stops the sync: it is flagged this long before.
const WARN_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

function createForm(slug, refresh, show) {
  const name = h("input", { name: "name", required: true, maxlength: "100", autocomplete: "off", value: "" });
  // The longest a key may live: an identity provider's sync should not stop unnoticed.
  const days = h("input", { name: "expires_in_days", type: "number", min: "1", max: "365", value: "365", required: true });
  return h("form", { class: "card", "aria-labelledby": "create-directory-key", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const key = await api("POST", `/orgs/${slug}/api-keys`, { json: { name: name.value, scope: "scim", expires_in_days: Number(days.value) } });
      name.value = "";
      await refresh();
      secretDialog({
        title: "Your new directory key",
        label: "Directory key",
        secret: key.key,
        note: [h("strong", {}, "Copy it now: you will not see it again."),
          " Paste it into your identity provider as the bearer token (Okta: Authorization; Entra: Secret Token). It works only on this organization's SCIM endpoints and expires on ",
          h("strong", {}, date(key.expires_at)), "."],
        announced: "Directory key created",
      });
    } catch (err) { show(err); }
  } },
  h("h2", { id: "create-directory-key" }, "Create a directory key"),
  h("div", { class: "row" },
    field("Name", name, "Which identity provider uses it, e.g. Okta."),
    field("Expires in (days)", days, "1 to 365. Syncing stops when it expires: this page warns two weeks before.")),
  h("button", { type: "submit" }, "Create directory key"));
}

function keyList(items, slug, refresh, show) {
  if (!items.length) return [h("h2", {}, "Directory keys"), h("p", { class: "empty" }, "No directory key yet.")];
  return [h("h2", {}, "Directory keys"), h("table", { class: "directory-keys" },
    h("caption", { class: "visually-hidden" }, "Directory keys"),
    h("thead", {}, h("tr", {}, ["Name", "Created by", "Expires", "Last used", ""].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, items.map((k) => h("tr", { "data-key": k.name },
      h("td", {}, k.name),
      h("td", {}, k.created_by),
      h("td", { class: "expires" }, date(k.expires_at), expiryBadge(k.expires_at)),
      h("td", { class: "last-used" }, k.last_used_at ? date(k.last_used_at) : h("span", { class: "muted" }, "never")),
      h("td", {}, button("Revoke", async () => {
        if (!await confirmDialog("Revoke directory key", `Revoke "${k.name}"? Your identity provider stops syncing at once.`, "Revoke directory key")) return;
        try {
          await api("DELETE", `/orgs/${slug}/api-keys/${enc(k.id)}`);
          announce("Directory key revoked");
          await refresh();
        } catch (err) { show(err); }
      }, { class: "danger", "aria-label": `Revoke directory key ${k.name}` }))))))];
}

function groupTable(groups, slug, refresh, show) {
  if (!groups.length) {
    return [h("h2", {}, "Groups"), h("p", { class: "empty" }, "Your identity provider has pushed no group yet.")];
  }
  return [h("h2", {}, "Groups"), h("table", { class: "directory-groups" },
    h("caption", { class: "visually-hidden" }, "Directory groups and what they grant"),
    h("thead", {}, h("tr", {}, ["Group", "Members", "Grants"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, groups.map((g) => {
      const select = h("select", { "aria-label": `What ${g.display_name} grants`, onchange: async () => {
        try {
          await api("PUT", `/orgs/${slug}/directory/groups/${enc(g.id)}`, { json: { grants: select.value || null } });
          announce(`${g.display_name} updated`);
        } catch (err) { show(err); }
        await refresh();
      } }, GRANTS.map(([value, label]) => h("option", { value, selected: (g.grants || "") === value }, label)));
      return h("tr", { "data-group": g.display_name },
        h("td", {}, g.display_name), h("td", {}, String(g.members)), h("td", {}, select));
    })))];
}

function activityLists(events) {
  const refused = events.filter((e) => e.action === "directory.change_refused");
  const row = (e) => h("li", {}, date(e.at), " · ", h("code", {}, e.action), " · ",
    e.detail && (e.detail.reason || e.detail.email || e.detail.display_name || e.detail.group) || e.target);
  return [
    h("h2", {}, "Refused changes"),
    refused.length
      ? h("ul", { class: "refused" }, refused.slice(0, 20).map((e) => h("li", {}, date(e.at), " · ",
        h("strong", {}, e.detail.group || e.target), ": ", e.detail.reason)))
      : h("p", { class: "empty" }, "None: every change the directory sent was applied."),
    h("h2", {}, "Last sync activity"),
    events.length
      ? h("ul", { class: "activity" }, events.slice(0, 10).map(row))
      : h("p", { class: "empty" }, "Nothing synced yet."),
  ];
}

// "expired", or "expires in N days" within WARN_DAYS of it.
function expiryBadge(expiresAt) {
  const left = new Date(expiresAt).getTime() - Date.now();
  if (Number.isNaN(left) || left > WARN_DAYS * DAY_MS) return null;
  if (left <= 0) return [" ", h("span", { class: "badge expired" }, "expired: syncing has stopped")];
  const days = Math.ceil(left / DAY_MS);
  return [" ", h("span", { class: "badge expired" }, `expires in ${days} day${days === 1 ? "" : "s"}: create a new key`)];
}
