// Token access (the seat mail's link): issue a token (shown once, with a copy
// button and its expiry), list mine (each with whether it still works), revoke.
import { h, replace, field, problemBox, announce, date, button } from "./ui.js";
import { api } from "./client.js";
import { session } from "./auth.js";
import { confirmDialog, secretDialog } from "./dialogs.js";

export async function tokensScreen(view, { slug, me }) {
  const out = h("div");
  const list = h("div");
  const show = (err) => replace(out, problemBox(err));
  const refresh = async () => {
    try {
      const page = await api("GET", `/orgs/${slug}/tokens`, { query: { user_id: session()?.sub } });
      replace(list, h("h2", {}, "Your tokens"), page.items.length ? tokenTable(page.items, slug, refresh, show)
        : h("p", { class: "empty" }, "You have no tokens in this organization."));
    } catch (err) { show(err); }
  };
  const issue = me.seat ? issueForm(slug, refresh, show)
    : h("p", { class: "notice" }, "Tokens need a seat, and you have none in this organization. Ask an admin or billing manager to assign you one.");
  replace(view, out, issue, list);
  await refresh();
}

function issueForm(slug, refresh, show) {
  const name = h("input", { name: "name", required: true, maxlength: "100", value: "laptop" });
  const days = h("input", { name: "expires_in_days", type: "number", min: "1", max: "365", value: "90", required: true });
  return h("form", { class: "card", "aria-labelledby": "issue-title", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const token = await api("POST", `/orgs/${slug}/tokens`, { json: { name: name.value, expires_in_days: Number(days.value) } });
      await refresh();
      shownOnce(token);
    } catch (err) { show(err); }
  } },
  h("h2", { id: "issue-title" }, "Issue a token"),
  h("div", { class: "row" }, field("Name", name, "What it is for, e.g. laptop or ci."), field("Expires in (days)", days, "1 to 365.")),
  h("button", { type: "submit" }, "Issue token"));
}

function shownOnce(token) {
  secretDialog({
    title: "Your new token",
    label: "Token",
    secret: token.token,
    note: ["Copy it now: it is shown only once. It expires on ", h("strong", {}, date(token.expires_at)), "."],
    announced: "Token issued",
  });
}

// Why a listed token no longer works, in words.
const INACTIVE = {
  seat_revoked: "seat revoked",
  member_removed: "membership ended",
  expired: "expired",
};

function status(t) {
  if (t.active) return h("span", { class: "badge active" }, "active");
  return h("span", { class: "badge inactive", title: "This token no longer works; revoke it and issue a new one." },
    INACTIVE[t.inactive_reason] || "inactive");
}

function tokenTable(items, slug, refresh, show) {
  return h("table", {},
    h("caption", { class: "visually-hidden" }, "Your tokens"),
    h("thead", {}, h("tr", {}, ["Name", "Status", "Channels", "Created", "Expires", ""].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, items.map((t) => h("tr", { "data-token": t.name },
      h("td", {}, t.name),
      h("td", {}, status(t)),
      h("td", {}, (t.channels || []).join(", ")),
      h("td", {}, date(t.created_at)),
      h("td", {}, date(t.expires_at)),
      h("td", {}, button("Revoke", async () => {
        if (!await confirmDialog("Revoke token", `Revoke the token "${t.name}"? Anything using it loses access at once.`, "Revoke token")) return;
        try {
          await api("DELETE", `/orgs/${slug}/tokens/${t.id}`);
          announce("Token revoked");
          await refresh();
        } catch (err) { show(err); }
      }, { class: "danger", "aria-label": `Revoke token ${t.name}` }))))));
}
