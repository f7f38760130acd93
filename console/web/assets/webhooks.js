// Webhooks (admins): endpoints that receive this org's events as signed POSTs
// (Standard Webhooks). Add one (its signing secret shown once), disable or
// enable it, rotate its secret, delete it; an endpoint's deliveries, each with
// its attempts, redelivered on demand; and the org's recent events.
import { h, replace, field, problemBox, announce, date, button, ROLE_NAMES } from "./ui.js";
import { api, enc } from "./client.js";
import { confirmDialog, secretDialog } from "./dialogs.js";

// The contract's EventType, in its order: what an endpoint may subscribe to.
const EVENT_TYPES = [
  "invitation.created", "invitation.resent", "invitation.revoked", "invitation.expired", "invitation.accepted",
  "member.joined", "member.removed", "member.role_changed",
  "seat.assigned", "seat.revoked",
  "token.issued", "token.revoked",
  "import.finished",
];

export async function webhooksScreen(view, ctx) {
  const { slug } = ctx;
  const out = h("div");
  const list = h("div", { "aria-busy": "true" }, "Loading…");
  const panel = h("section", { class: "deliveries", "aria-labelledby": "deliveries-title", hidden: true });
  const recent = h("section", { "aria-labelledby": "events-title" });
  const show = (err) => replace(out, problemBox(err));
  let items = [];
  let selected = null; // the endpoint whose deliveries are shown
  const draw = () => {
    replace(list, h("h2", {}, "Endpoints"), items.length
      ? h("ul", { class: "webhooks" }, items.map((w) => endpointCard(w, { slug, selected, select, refresh, show })))
      : h("p", { class: "empty" }, "No endpoint yet: add one to receive this organization's events."));
    list.removeAttribute("aria-busy");
  };
  const select = (w) => {
    selected = w ? w.id : null;
    panel.hidden = !w;
    if (w) deliveriesPanel(panel, slug, w);
    else replace(panel);
    draw();
  };
  const refresh = async () => {
    try {
      ({ items } = await api("GET", `/orgs/${slug}/webhooks`));
      if (ctx.stale()) return;
      if (selected && !items.some((w) => w.id === selected)) select(null);
      else draw();
    } catch (err) { show(err); }
  };
  replace(view,
    h("p", {}, "Roster POSTs each event of this organization (a member joined, a seat was revoked…) to your endpoints as JSON, ",
      "signed as Standard Webhooks defines, and retries a failed delivery for about 3 days."),
    out, createForm(slug, refresh), list, panel, recent);
  await Promise.all([refresh(), recentEvents(recent, slug, ctx)]);
}

function createForm(slug, refresh) {
  const url = h("input", { name: "url", type: "url", required: true, maxlength: "2048", autocomplete: "off", placeholder: "https://hooks.example.com/roster" });
  const description = h("input", { name: "description", maxlength: "200", autocomplete: "off" });
  const boxes = EVENT_TYPES.map((t) => h("input", { type: "checkbox", name: "event_types", value: t }));
  const problem = h("div");
  const urlField = field("URL", url, "HTTPS, on a public address.");
  urlField.classList.add("grow"); // a URL is long: the field takes the row's room
  const form = h("form", { class: "card", "aria-labelledby": "add-webhook-title", onsubmit: async (e) => {
    e.preventDefault();
    replace(problem);
    try {
      const made = await api("POST", `/orgs/${slug}/webhooks`, { json: {
        url: url.value.trim(),
        description: description.value.trim() || undefined,
        event_types: boxes.filter((b) => b.checked).map((b) => b.value),
      } });
      form.reset();
      await refresh();
      secretDialog({
        title: "Your endpoint's signing secret",
        label: "Signing secret",
        secret: made.secret,
        note: [h("strong", {}, "Copy it now: you will not see it again."), ...verifyNote()],
        announced: "Endpoint added",
      });
    } catch (err) { replace(problem, problemBox(err)); }
  } },
  h("h2", { id: "add-webhook-title" }, "Add endpoint"),
  h("div", { class: "row" },
    urlField,
    field("Description", description, "Optional, e.g. Billing.")),
  h("fieldset", { class: "event-types" },
    h("legend", {}, "Event types"),
    h("p", { class: "hint" }, "None checked: every event type."),
    h("div", { class: "type-grid" }, boxes.map((b) => {
      b.id = `t-${b.value.replace(".", "-")}`;
      return h("div", { class: "field check" }, b, h("label", { for: b.id }, b.value));
    }))),
  h("button", { type: "submit" }, "Add endpoint"),
  problem);
  return form;
}

// How a receiver checks a delivery, beside the secret it needs for it.
function verifyNote() {
  return [" Each delivery carries ", h("code", {}, "webhook-id"), ", ", h("code", {}, "webhook-timestamp"), " and ",
    h("code", {}, "webhook-signature"), " headers (Standard Webhooks): the signature is ", h("code", {}, "v1,"),
    " and the base64 HMAC-SHA256 of ", h("code", {}, "{webhook-id}.{webhook-timestamp}.{body}"),
    ", keyed with this secret (the base64 after ", h("code", {}, "whsec_"), ", decoded). Check it, and refuse a timestamp more than",
    " 5 minutes off; any Standard Webhooks library does both."];
}

function endpointCard(w, { slug, selected, select, refresh, show }) {
  const current = w.id === selected;
  const act = (label, run, props) => button(label, async () => {
    try { await run(); } catch (err) { show(err); }
  }, props);
  return h("li", { class: current ? "card webhook selected" : "card webhook", "data-url": w.url },
    h("p", { class: "webhook-url" }, h("strong", {}, w.url)),
    w.description ? h("p", { class: "muted" }, w.description) : null,
    h("dl", { class: "offer" },
      h("dt", {}, "Events"),
      h("dd", { class: "event-list" }, w.event_types?.length ? w.event_types.join(", ") : "all events"),
      h("dt", {}, "Status"), h("dd", { class: "state" }, state(w)),
      h("dt", {}, "Last success"),
      h("dd", { class: "last-success" }, w.last_success_at ? date(w.last_success_at) : h("span", { class: "muted" }, "never")),
      h("dt", {}, "Failing since"),
      h("dd", { class: "failing-since" }, w.failing_since ? date(w.failing_since) : h("span", { class: "muted" }, "not failing"))),
    h("div", { class: "actions-cell" },
      button(current ? "Hide deliveries" : "Deliveries", () => select(current ? null : w),
        { class: "secondary", "aria-expanded": String(current), "aria-label": `${current ? "Hide deliveries" : "Deliveries"} of ${w.url}` }),
      act(w.enabled ? "Disable" : "Enable", async () => {
        await api("PATCH", `/orgs/${slug}/webhooks/${enc(w.id)}`, { json: { enabled: !w.enabled } });
        announce(w.enabled ? "Endpoint disabled" : "Endpoint enabled");
        await refresh();
      }, { class: "secondary", "aria-label": `${w.enabled ? "Disable" : "Enable"} ${w.url}` }),
      act("Rotate secret", async () => {
        if (!await confirmDialog("Rotate signing secret", `Make a new signing secret for ${w.url}? The old one keeps signing too for 24 hours, time to switch your endpoint to the new one.`, "Rotate secret")) return;
        const rotated = await api("POST", `/orgs/${slug}/webhooks/${enc(w.id)}/rotate-secret`);
        await refresh();
        secretDialog({
          title: "New signing secret",
          label: "Signing secret",
          secret: rotated.secret,
          note: [h("strong", {}, "Copy it now: you will not see it again."),
            " For the next 24 hours each delivery is signed with both the old secret and this one (two signatures in ",
            h("code", {}, "webhook-signature"), ", space-separated): switch your endpoint to this one before then."],
          announced: "Signing secret rotated",
        });
      }, { class: "secondary", "aria-label": `Rotate the signing secret of ${w.url}` }),
      act("Delete", async () => {
        if (!await confirmDialog("Delete endpoint", `Delete the endpoint ${w.url}? It receives no more events, not even those still being retried.`, "Delete endpoint")) return;
        await api("DELETE", `/orgs/${slug}/webhooks/${enc(w.id)}`);
        announce("Endpoint deleted");
        if (current) select(null);
        await refresh();
      }, { class: "danger", "aria-label": `Delete ${w.url}` })));
}

function state(w) {
  if (w.enabled) return h("span", { class: "badge active" }, "enabled");
  if (w.disabled_reason !== "failing") return h("span", { class: "badge inactive" }, "disabled");
  return [h("span", { class: "badge inactive" }, "disabled: failing"),
    h("p", { class: "hint" }, "Its deliveries failed for 3 days, so Roster stopped sending. Fix the endpoint, then enable it.")];
}

// One endpoint's deliveries, newest first; each one's attempts on demand.
function deliveriesPanel(panel, slug, w) {
  const base = `/orgs/${slug}/webhooks/${enc(w.id)}/deliveries`;
  const opened = new Set(); // deliveries whose attempts are listed, across refreshes
  const problem = h("div");
  const body = h("div", { "aria-busy": "true" }, "Loading…");
  const rows = (d) => deliveryRows(d, { opened, redeliver });
  const load = async () => {
    body.setAttribute("aria-busy", "true");
    try {
      const page = await api("GET", base, { query: { limit: 50 } });
      replace(problem);
      if (!page.items.length) {
        replace(body, h("p", { class: "empty" }, "No delivery yet: one is made for each event this endpoint takes."));
      } else {
        const table = h("table", { class: "deliveries" },
          h("caption", { class: "visually-hidden" }, `Deliveries to ${w.url}, newest first`),
          h("thead", {}, h("tr", {}, ["Event", "Status", "Attempts", "Last attempt", "Next attempt", ""].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, page.items.flatMap(rows)));
        replace(body, h("div", { class: "scroll-x" }, table), older(page.next_cursor, table));
      }
    } catch (err) { replace(problem, problemBox(err)); }
    body.removeAttribute("aria-busy");
  };
  const older = (cursor, table) => {
    if (!cursor) return null;
    const btn = button("Older deliveries", async () => {
      try {
        const page = await api("GET", base, { query: { limit: 50, cursor } });
        table.tBodies[0].append(...page.items.flatMap(rows));
        btn.replaceWith(older(page.next_cursor, table) || "");
      } catch (err) { replace(problem, problemBox(err)); }
    }, { class: "secondary" });
    return btn;
  };
  const redeliver = async (d) => {
    try {
      await api("POST", `${base}/${enc(d.id)}/redeliver`);
      announce("Delivery queued again");
    } catch (err) { replace(problem, problemBox(err)); }
    await load();
  };
  replace(panel,
    h("h2", { id: "deliveries-title" }, "Deliveries"),
    h("div", { class: "row" },
      h("p", { class: "muted webhook-url" }, "To ", w.url, ", newest first."),
      h("span", { class: "spacer" }),
      button("Refresh", load, { class: "secondary" })),
    problem, body);
  return load();
}

function deliveryRows(d, { opened, redeliver }) {
  const attempts = [...(d.attempts || [])].sort((a, b) => new Date(a.at) - new Date(b.at));
  const last = attempts[attempts.length - 1];
  const list = h("tr", { class: "attempt-rows" }, h("td", { colspan: "6" },
    attempts.length
      ? h("ol", { class: "attempts", "aria-label": "Attempts, oldest first" }, attempts.map((a) => h("li", {},
        exact(a.at), " · ", outcome(a), Number.isFinite(a.duration_ms) ? ` · ${a.duration_ms} ms` : "")))
      : h("p", { class: "empty" }, "Not attempted yet.")));
  const expand = (open) => {
    if (open) opened.add(d.id); else opened.delete(d.id);
    list.hidden = !open;
    toggle.textContent = open ? "Hide attempts" : "Show attempts";
    toggle.setAttribute("aria-expanded", String(open));
  };
  const toggle = button("Show attempts", () => expand(!opened.has(d.id)), { class: "secondary" });
  expand(opened.has(d.id));
  const row = h("tr", { "data-delivery": d.id },
    h("td", {}, h("code", {}, d.event_type), h("br"), h("span", { class: "muted event-id" }, d.event_id)),
    h("td", { class: "status" }, h("span", { class: `badge ${d.status}` }, d.status)),
    h("td", { class: "attempts" }, String(attempts.length)),
    h("td", { class: "last-attempt" }, last ? [outcome(last), h("br"), h("span", { class: "muted" }, exact(last.at))] : h("span", { class: "muted" }, "none yet")),
    h("td", { class: "next-attempt" }, d.next_attempt_at ? exact(d.next_attempt_at) : "—"),
    h("td", {}, h("div", { class: "actions-cell" }, toggle,
      button("Redeliver", () => redeliver(d), { class: "secondary", "aria-label": `Redeliver ${d.event_type} event ${d.event_id}` }))));
  return [row, list];
}

function outcome(a) {
  if (a.status_code !== null && a.status_code !== undefined) return `HTTP ${a.status_code}`;
  return a.error || "no answer";
}

// To the second: retries a minute apart must not read the same.
function exact(value) {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleString(undefined, {
    month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

const SHOWN = 20;
const PAGE = 100;
const PAGES = 5;
const DAY_MS = 24 * 60 * 60 * 1000;

// The feed is oldest first (a poller follows it with its cursor): the last
// day's is read to its end (at most PAGES pages) and its newest shown first.
async function recentEvents(section, slug, ctx) {
  const since = new Date(Date.now() - DAY_MS).toISOString();
  let items = [];
  let cursor;
  let pages = 0;
  try {
    do {
      const page = await api("GET", `/orgs/${slug}/events`, { query: { since, limit: PAGE, cursor } });
      items = items.concat(page.items).slice(-SHOWN);
      cursor = page.items.length === PAGE ? page.next_cursor : null;
      pages += 1;
    } while (cursor && pages < PAGES);
  } catch (err) {
    replace(section, h("h2", { id: "events-title" }, "Recent events"), problemBox(err));
    return;
  }
  if (ctx.stale()) return;
  replace(section,
    h("h2", { id: "events-title" }, "Recent events"),
    h("p", { class: "muted" }, `What your endpoints are sent: the last 24 hours, newest first (at most ${SHOWN}).`),
    items.length
      ? h("ul", { class: "recent-events" }, items.reverse().map((e) => h("li", { "data-event": e.id },
        exact(e.occurred_at), " · ", h("code", {}, e.type), " · ", eventSummary(e),
        e.actor?.email ? h("span", { class: "muted" }, ` · by ${e.actor.email}`) : null)))
      : h("p", { class: "empty" }, "No event in the last 24 hours."),
    cursor ? h("p", { class: "muted" }, `More than ${PAGES * PAGE} events in the last 24 hours: the newest are not all listed.`) : null);
}

// Who the event is about, in one line.
function eventSummary(e) {
  const d = e.data || {};
  const who = d.email || d.user_id || "";
  const role = (r) => ROLE_NAMES[r] || r;
  if (e.type === "member.role_changed") return `${who}: ${role(d.from)} → ${role(d.to)}`;
  if (e.type === "import.finished") return `import ${d.import_id}: ${d.status}`;
  return who;
}
