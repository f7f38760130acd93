// Users: members with role, seat and join date; seats used / limit; per user
// the actions the caller's role allows (never a role change on yourself).
import { h, replace, field, problemBox, announce, date, button, ROLE_NAMES } from "./ui.js";
import { api, enc } from "./client.js";
import { session } from "./auth.js";
import { confirmDialog, openDialog } from "./dialogs.js";

export async function membersScreen(view, ctx) {
  const { slug, me } = ctx;
  const out = h("div");
  const summary = h("div", { class: "seats" });
  const list = h("div", { "aria-busy": "true" }, "Loading…");
  replace(view, out, summary, list);
  const show = (err) => replace(out, problemBox(err));
  const refresh = async () => {
    try {
      const [org, first] = await Promise.all([
        api("GET", `/orgs/${slug}`),
        api("GET", `/orgs/${slug}/members`, { query: { limit: 100 } }),
      ]);
      if (ctx.stale()) return;
      replace(summary, seatSummary(org, me, refresh, show));
      const table = memberTable(first.items, ctx, refresh, show);
      replace(list, table, more(first.next_cursor, slug, table, ctx, refresh, show));
      list.removeAttribute("aria-busy");
    } catch (err) {
      show(err);
    }
  };
  await refresh();
}

function seatSummary(org, me, refresh, show) {
  const text = h("p", { class: "seat-count" }, h("strong", {}, `${org.seats_used} of ${org.seat_limit}`), " seats used");
  if (!["admin", "billing_manager"].includes(me.role)) return text;
  return h("div", { class: "row" }, text, button("Change seat limit", () => {
    const input = h("input", { type: "number", min: "0", max: "100000", value: String(org.seat_limit), required: true });
    const err = h("div");
    const dialog = openDialog("Change seat limit", h("form", { method: "dialog", onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api("PATCH", `/orgs/${org.slug}`, { json: { seat_limit: Number(input.value) } });
        dialog.close();
        announce("Seat limit changed");
        await refresh();
      } catch (error) {
        replace(err, problemBox(error));
      }
    } },
    field("Seat limit", input, `${org.seats_used} seats are in use.`), err,
    h("div", { class: "actions" }, button("Cancel", () => dialog.close(), { class: "secondary" }), h("button", { type: "submit" }, "Save"))));
  }, { class: "secondary" }));
}

function memberTable(items, ctx, refresh, show) {
  return h("table", {},
    h("caption", { class: "visually-hidden" }, "Members"),
    h("thead", {}, h("tr", {}, ["Email", "Role", "Seat", "Joined", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, items.map((m) => memberRow(m, ctx, refresh, show))));
}

function more(cursor, slug, table, ctx, refresh, show) {
  if (!cursor) return null;
  const btn = button("Load more", async () => {
    try {
      const page = await api("GET", `/orgs/${slug}/members`, { query: { limit: 100, cursor } });
      table.tBodies[0].append(...page.items.map((m) => memberRow(m, ctx, refresh, show)));
      btn.replaceWith(more(page.next_cursor, slug, table, ctx, refresh, show) || "");
    } catch (err) { show(err); }
  }, { class: "secondary" });
  return btn;
}

function memberRow(m, { slug, me, navigate }, refresh, show) {
  const self = m.user_id === session()?.sub;
  const path = `/orgs/${slug}/members/${enc(m.user_id)}`;
  const act = (label, fn, props = {}) => button(label, async () => {
    try {
      const done = await fn();
      if (done === false) return;
      announce(`${label}: done`);
      await refresh();
    } catch (err) { show(err); }
  }, props);
  const actions = [];
  const manageSeats = ["admin", "billing_manager"].includes(me.role);
  if (manageSeats && !m.seat) actions.push(act("Assign seat", () => api("PUT", `${path}/seat`)));
  if (manageSeats && m.seat) {
    actions.push(act("Revoke seat", async () => {
      if (!await confirmDialog("Revoke seat", `Revoke ${m.email}'s seat? Their access tokens stop working at once.`, "Revoke seat")) return false;
      return api("DELETE", `${path}/seat`);
    }));
  }
  if (me.role === "admin" && !self) {
    for (const role of ["admin", "billing_manager", "member"]) {
      if (role !== m.role) actions.push(act(`Assign as ${ROLE_NAMES[role]}`, () => api("PUT", `${path}/role`, { json: { role } })));
    }
    actions.push(act("Remove from organization", async () => {
      if (!await confirmDialog("Remove from organization", `Remove ${m.email} from the organization? Their seat is freed and their tokens stop working.`, "Remove")) return false;
      return api("DELETE", path);
    }, { class: "danger" }));
  }
  if (self) {
    actions.push(button("Leave organization", async () => {
      if (!await confirmDialog("Leave organization", "Leave this organization? You lose your seat and tokens.", "Leave")) return;
      try {
        await api("DELETE", path);
        navigate("/app");
      } catch (err) { show(err); }
    }, { class: "danger" }));
  }
  return h("tr", { "data-email": m.email },
    h("td", {}, m.email, self ? h("span", { class: "muted" }, " (you)") : null),
    h("td", {}, ROLE_NAMES[m.role] || m.role),
    h("td", {}, m.seat ? `Since ${date(m.seat.assigned_at)}` : "No seat"),
    h("td", {}, date(m.joined_at)),
    h("td", {}, actions.length
      ? h("details", { class: "menu" }, h("summary", { "aria-label": `Actions for ${m.email}` }, "Actions"), h("div", { class: "menu-items" }, actions))
      : h("span", { class: "muted" }, "—")));
}
