// Users: members with role, seat, the seat's last use and join date; seats
// used / limit; per user the actions the caller's role allows (never a role
// change on yourself); the idle seats (nobody used them for N days), which
// can be revoked in one step.
import { h, replace, field, problemBox, announce, date, button, ROLE_NAMES } from "./ui.js";
import { api, enc } from "./client.js";
import { session } from "./auth.js";
import { confirmDialog, openDialog } from "./dialogs.js";

export async function membersScreen(view, ctx) {
  const { slug, me } = ctx;
  const out = h("div");
  const summary = h("div", { class: "seats" });
  const list = h("div", { "aria-busy": "true" }, "Loading…");
  // null: everyone, a page at a time; a number: only the seats idle that many days.
  let idleDays = null;
  const days = h("input", { type: "number", name: "idle_days", min: "1", max: "365", step: "1", value: "30", required: true, class: "days" });
  const idleBar = h("div", { class: "row idle-result", "aria-live": "polite" });
  const filter = h("form", { class: "row idle-filter", "aria-label": "Idle seats", onsubmit: (e) => {
    e.preventDefault();
    if (!days.reportValidity()) return;
    idleDays = Number(days.value);
    replace(out);
    refresh();
  } },
  field("Seats unused for (days)", days, "Nobody used their tokens for that long, or ever since the seat was assigned."),
  h("button", { type: "submit", class: "secondary" }, "Show idle seats"));
  // The org's own threshold (idle_seat_days, when the API gives one) until the person types one.
  let typed = false;
  days.addEventListener("input", () => { typed = true; });
  replace(view, out, summary, filter, idleBar, list);
  const show = (err) => replace(out, problemBox(err));
  const refresh = async () => {
    list.setAttribute("aria-busy", "true");
    try {
      if (idleDays === null) {
        const [org, first] = await Promise.all([
          api("GET", `/orgs/${slug}`),
          api("GET", `/orgs/${slug}/members`, { query: { limit: 100 } }),
        ]);
        if (ctx.stale()) return;
        if (!typed && Number.isInteger(org.idle_seat_days)) days.value = String(org.idle_seat_days);
        replace(summary, seatSummary(org, me, refresh, show));
        replace(idleBar);
        const table = memberTable(first.items, ctx, refresh, show);
        replace(list, table, more(first.next_cursor, slug, table, ctx, refresh, show));
      } else {
        const showing = idleDays;
        const [org, idle] = await Promise.all([api("GET", `/orgs/${slug}`), idleMembers(slug, showing)]);
        if (ctx.stale() || showing !== idleDays) return;
        replace(summary, seatSummary(org, me, refresh, show));
        replace(idleBar, ...idleActions(idle, showing, slug, {
          everyone: () => { idleDays = null; replace(out); refresh(); },
          done: (report) => { replace(out, report); return refresh(); },
        }));
        replace(list, idle.length ? memberTable(idle, ctx, refresh, show)
          : h("p", { class: "empty" }, `No seat has gone unused for ${plural(showing, "day")}.`));
      }
    } catch (err) {
      show(err);
    }
    list.removeAttribute("aria-busy");
  };
  await refresh();
}

// Every member whose seat nobody used for `days` days: all of them (pages of
// 100, followed to the end), so the count the revoke button names is exact.
async function idleMembers(slug, days) {
  const found = [];
  let cursor;
  do {
    const page = await api("GET", `/orgs/${slug}/members`, { query: { idle_days: days, limit: 100, cursor } });
    found.push(...page.items.filter((m) => m.seat));
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

function plural(n, word) {
  return `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;
}

// What the idle listing offers: how many, "Revoke N idle seats" (confirmed;
// each seat revoked in turn, then what happened, in words) and back to everyone.
function idleActions(idle, days, slug, { everyone, done }) {
  const n = idle.length;
  const back = button("Show everyone", everyone, { class: "link" });
  const count = h("p", { class: "idle-count" }, h("strong", {}, plural(n, "seat")), ` unused for ${plural(days, "day")}.`);
  if (!n) return [count, back];
  const label = `Revoke ${plural(n, "idle seat")}`;
  const revoke = button(label, async () => {
    const who = n <= 5 ? ` (${idle.map((m) => m.email).join(", ")})` : "";
    const sure = await confirmDialog("Revoke idle seats",
      `Revoke ${n === 1 ? "the seat" : `the ${plural(n, "seat")}`} nobody used for ${plural(days, "day")}${who}? ` +
      "Their access tokens stop working at once; a seat can be assigned again later.",
      `Revoke ${plural(n, "seat")}`);
    if (!sure) return;
    revoke.disabled = true;
    const failed = [];
    let revoked = 0;
    for (const [i, m] of idle.entries()) {
      revoke.textContent = `Revoking ${i + 1} of ${n}…`;
      try {
        await api("DELETE", `/orgs/${slug}/members/${enc(m.user_id)}/seat`);
        revoked += 1;
      } catch (err) {
        failed.push({ email: m.email, err });
      }
    }
    const text = `Revoked ${plural(revoked, "seat")}` + (failed.length ? `; ${failed.length} could not be revoked.` : ".");
    announce(text);
    await done(h("div", { class: failed.length ? "problem" : "notice", role: failed.length ? "alert" : "status" },
      h("p", {}, text),
      failed.length ? h("ul", {}, failed.map(({ email, err }) => h("li", {}, `${email}: ${err.detail || err.message}`))) : null));
  }, { class: "danger" });
  return [count, revoke, back];
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
    h("thead", {}, h("tr", {}, ["Email", "Role", "Seat", "Last used", "Joined", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
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
    h("td", { class: "last-used" }, lastUsed(m.seat)),
    h("td", {}, date(m.joined_at)),
    h("td", {}, actions.length
      ? h("details", { class: "menu" }, h("summary", { "aria-label": `Actions for ${m.email}` }, "Actions"), h("div", { class: "menu-items" }, actions))
      : h("span", { class: "muted" }, "—")));
}

// A seat's last use: when one of its tokens was last introspected (recorded
// at most hourly), "never" since it was assigned; nothing without a seat.
function lastUsed(seat) {
  if (!seat) return h("span", { class: "muted" }, "—");
  return seat.last_used_at ? date(seat.last_used_at) : h("span", { class: "muted" }, "never");
}
