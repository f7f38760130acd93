// API keys (admins): keys for scripts, each acting as its role in this org.
// Create one (its secret shown once, with a copy button), list them (never a
// secret: name, role, who created it, expiry, last use), revoke.
import { h, replace, field, problemBox, announce, date, button, ROLE_NAMES } from "./ui.js";
import { api, enc } from "./client.js";
import { confirmDialog, secretDialog } from "./dialogs.js";

const KEY_ROLES = ["admin", "billing_manager"];

export async function apiKeysScreen(view, ctx) {
  const { slug } = ctx;
  const out = h("div");
  const list = h("div", { "aria-busy": "true" }, "Loading…");
  const show = (err) => replace(out, problemBox(err));
  const refresh = async () => {
    try {
      const first = await api("GET", `/orgs/${slug}/api-keys`, { query: { limit: 100 } });
      if (ctx.stale()) return;
      if (!first.items.length) {
        replace(list, h("h2", {}, "Keys"), h("p", { class: "empty" }, "This organization has no API keys."));
      } else {
        const table = keyTable(first.items, slug, refresh, show);
        replace(list, h("h2", {}, "Keys"), table, more(first.next_cursor, slug, table, refresh, show));
      }
      list.removeAttribute("aria-busy");
    } catch (err) { show(err); }
  };
  replace(view,
    h("p", {}, "An API key lets a script call the API for this organization without a person signing in: send it as ",
      h("code", {}, "Authorization: Bearer rk_…"), ". It acts as its role, in this organization only."),
    out, createForm(slug, refresh, show), list);
  await refresh();
}

function createForm(slug, refresh, show) {
  const name = h("input", { name: "name", required: true, maxlength: "100", autocomplete: "off" });
  const role = h("select", { name: "role" }, KEY_ROLES.map((v) => h("option", { value: v }, ROLE_NAMES[v])));
  const days = h("input", { name: "expires_in_days", type: "number", min: "1", max: "365", value: "90", required: true });
  return h("form", { class: "card", "aria-labelledby": "create-key-title", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const key = await api("POST", `/orgs/${slug}/api-keys`, { json: { name: name.value, role: role.value, expires_in_days: Number(days.value) } });
      name.value = "";
      await refresh();
      shownOnce(key);
    } catch (err) { show(err); }
  } },
  h("h2", { id: "create-key-title" }, "Create an API key"),
  h("div", { class: "row" },
    field("Name", name, "What it is for, e.g. nightly sync."),
    field("Role", role, "What the key may do, as a member with that role."),
    field("Expires in (days)", days, "1 to 365.")),
  h("button", { type: "submit" }, "Create API key"));
}

function shownOnce(key) {
  secretDialog({
    title: "Your new API key",
    label: "API key",
    secret: key.key,
    note: [h("strong", {}, "Copy it now: you will not see it again."),
      " Roster keeps only a hash of it. It acts as ", ROLE_NAMES[key.role] || key.role,
      " and expires on ", h("strong", {}, date(key.expires_at)), "."],
    announced: "API key created",
  });
}

function expired(k) {
  const at = new Date(k.expires_at).getTime();
  return !Number.isNaN(at) && at <= Date.now();
}

function keyTable(items, slug, refresh, show) {
  return h("table", { class: "api-keys" },
    h("caption", { class: "visually-hidden" }, "API keys, newest first"),
    h("thead", {}, h("tr", {}, ["Name", "Role", "Created by", "Created", "Expires", "Last used", ""].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, items.map((k) => keyRow(k, slug, refresh, show))));
}

function more(cursor, slug, table, refresh, show) {
  if (!cursor) return null;
  const btn = button("Load more", async () => {
    try {
      const page = await api("GET", `/orgs/${slug}/api-keys`, { query: { limit: 100, cursor } });
      table.tBodies[0].append(...page.items.map((k) => keyRow(k, slug, refresh, show)));
      btn.replaceWith(more(page.next_cursor, slug, table, refresh, show) || "");
    } catch (err) { show(err); }
  }, { class: "secondary" });
  return btn;
}

function keyRow(k, slug, refresh, show) {
  const gone = expired(k);
  return h("tr", { "data-key": k.name, class: gone ? "expired" : null },
    h("td", {}, k.name),
    h("td", {}, ROLE_NAMES[k.role] || k.role, k.scope === "scim" ? h("span", { class: "muted" }, " (directory sync)") : null),
    h("td", {}, k.created_by),
    h("td", {}, date(k.created_at)),
    h("td", {}, date(k.expires_at), gone
      ? [" ", h("span", { class: "badge expired", title: "This key no longer works; revoke it and create a new one." }, "expired")]
      : null),
    h("td", { class: "last-used" }, k.last_used_at ? date(k.last_used_at) : h("span", { class: "muted" }, "never")),
    h("td", {}, button("Revoke", async () => {
      if (!await confirmDialog("Revoke API key", `Revoke the API key "${k.name}"? Scripts using it lose access at once.`, "Revoke API key")) return;
      try {
        await api("DELETE", `/orgs/${slug}/api-keys/${enc(k.id)}`);
        announce("API key revoked");
        await refresh();
      } catch (err) { show(err); }
    }, { class: "danger", "aria-label": `Revoke API key ${k.name}` })));
}
