// Invitations (admins): the list with status filters and mail status; invite
// by typing addresses; bulk upload with a dry run first (more than 500 rows:
// an import job, followed in the dialog); recent imports; resend; remove; the
// org's reminder day (one reminder mail on day N of 7, or none); the
// addresses the org no longer mails (bounced for good or complained about),
// which an admin may allow again (a complaint only with a reason, once per
// 30 days).
import { h, replace, field, problemBox, announce, date, button, ROLE_NAMES } from "./ui.js";
import { api } from "./client.js";
import { confirmDialog, openDialog } from "./dialogs.js";
import { summaryText, resultTable, isJob, followJob, recentImports } from "./imports.js";

const REASONS = { bounced: "Bounced", complained: "Reported as spam" };

export async function invitationsScreen(view, { slug }) {
  const out = h("div");
  const status = h("select", { name: "status" },
    h("option", { value: "pending" }, "Pending"),
    h("option", { value: "expired" }, "Expired"),
    h("option", { value: "all" }, "All"));
  const list = h("div");
  const suppressed = h("section", { "aria-labelledby": "suppressed-heading" });
  const importsSection = h("section", { "aria-labelledby": "imports-heading" });
  const show = (err) => replace(out, problemBox(err));
  // How many upload dialogs follow a job themselves (the list then waits).
  const following = { count: 0 };
  const refresh = async () => {
    replace(out);
    list.setAttribute("aria-busy", "true");
    try {
      const [page, blocked] = await Promise.all([
        api("GET", `/orgs/${slug}/invitations`, { query: { status: status.value, limit: 200 } }),
        api("GET", `/orgs/${slug}/suppressions`, { query: { limit: 200 } }),
        imports.load(),
      ]);
      replace(list, page.items.length
        ? invitationTable(page.items, slug, refresh, show)
        : h("p", { class: "empty" }, `No ${status.value === "all" ? "" : `${status.value} `}invitations.`));
      if (page.next_cursor) list.append(h("p", { class: "muted" }, "Showing the first 200."));
      replace(suppressed, ...suppressionSection(blocked, slug, refresh, show));
    } catch (err) { show(err); }
    list.removeAttribute("aria-busy");
  };
  const imports = recentImports(importsSection, slug, { following: () => following.count > 0, onJobEnd: refresh });
  status.addEventListener("change", refresh);
  replace(view,
    h("div", { class: "row" },
      button("Invite users", () => inviteDialog(slug, refresh)),
      button("Bulk upload", () => bulkDialog(slug, refresh, imports, following), { class: "secondary" }),
      button("Reminders", () => reminderDialog(slug, refresh), { class: "secondary" }),
      h("div", { class: "spacer" }),
      field("Status", status)),
    out, list, importsSection, suppressed);
  await refresh();
}

// Hidden while nothing is suppressed: most organizations never see it.
function suppressionSection(page, slug, refresh, show) {
  if (!page.items.length) return [];
  const allow = (s) => button("Allow mail again", async () => {
    try {
      if (s.reason === "complained") {
        // The answer (or refusal, once per 30 days) shows in the dialog.
        complaintDialog(s, slug, refresh);
        return;
      }
      if (!await confirmDialog("Allow mail again", `Mail to ${s.email} bounced for good. Allow Roster to mail it again? Resend its invitation, or invite it again, afterwards.`, "Allow mail again")) return;
      await api("DELETE", `/orgs/${slug}/suppressions/${s.id}`);
      announce(`${s.email} may be mailed again`);
      await refresh();
    } catch (err) { show(err); }
  }, { class: "secondary", "aria-label": `Allow mail to ${s.email} again` });
  return [
    h("h2", { id: "suppressed-heading" }, "Suppressed addresses"),
    h("p", { class: "muted" }, "Roster no longer mails these addresses: invitations to them are refused until you allow them again."),
    h("table", { class: "suppressions" },
      h("thead", {}, h("tr", {}, ["Email", "Why", "Details", "Since", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, page.items.map((s) => h("tr", { "data-email": s.email },
        h("td", {}, s.email),
        h("td", {}, h("span", { class: `badge ${s.reason}` }, REASONS[s.reason] || s.reason)),
        h("td", { class: "muted" }, s.detail),
        h("td", {}, date(s.suppressed_at)),
        h("td", { class: "actions-cell" }, allow(s)))))),
  ];
}

// Its owner reported our mail as spam: allowing it again takes a reason
// (kept in the audit log), and works once per 30 days per address.
function complaintDialog(s, slug, refresh) {
  const reason = h("textarea", { name: "reason", required: true, maxlength: 500, rows: 3 });
  const out = h("div", { "aria-live": "polite" });
  const dialog = openDialog("Allow mail again", h("form", { onsubmit: async (e) => {
    e.preventDefault();
    if (!reason.value.trim()) { reason.focus(); return; }
    try {
      await api("DELETE", `/orgs/${slug}/suppressions/${s.id}`, { json: { reason: reason.value.trim() } });
      dialog.close();
      announce(`${s.email} may be mailed again`);
      await refresh();
    } catch (err) { replace(out, problemBox(err)); }
  } },
  h("p", {}, `The owner of ${s.email} reported Roster's mail as spam. Allow Roster to mail it again only if they asked for it; this can be done once per 30 days.`),
  field("Reason", reason, "Why this address may be mailed again (kept in the audit log)."),
  out,
  h("div", { class: "actions" }, button("Cancel", () => dialog.close(), { class: "secondary" }), h("button", { type: "submit", class: "danger" }, "Allow mail again"))));
  reason.focus();
}

function invitationTable(items, slug, refresh, show) {
  const act = (label, fn, props) => button(label, async () => {
    try {
      if (await fn() === false) return;
      announce(`${label}: done`);
      await refresh();
    } catch (err) { show(err); }
  }, props);
  return h("table", {},
    h("caption", { class: "visually-hidden" }, "Invitations"),
    h("thead", {}, h("tr", {}, ["Email", "Role", "Seat", "Status", "Email status", "Expires", "Reminder", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, items.map((inv) => h("tr", { "data-email": inv.email },
      h("td", {}, inv.email),
      h("td", {}, ROLE_NAMES[inv.role] || inv.role),
      h("td", {}, inv.seat ? "With seat" : "No seat"),
      h("td", {}, h("span", { class: `badge ${inv.status}` }, inv.status)),
      h("td", {}, h("span", { class: `badge ${inv.email_status}` }, inv.email_status)),
      h("td", {}, date(inv.expires_at)),
      h("td", {}, inv.reminder_at ? date(inv.reminder_at) : h("span", { class: "muted" }, "None due")),
      h("td", { class: "actions-cell" },
        act("Resend email invite", () => api("POST", `/orgs/${slug}/invitations/${inv.id}/resend`), { class: "secondary", "aria-label": `Resend email invite to ${inv.email}` }),
        act("Remove invite", async () => {
          if (!await confirmDialog("Remove invite", `Remove the invitation to ${inv.email}? Its link stops working at once.`, "Remove invite")) return false;
          return api("DELETE", `/orgs/${slug}/invitations/${inv.id}`);
        }, { class: "danger", "aria-label": `Remove invite to ${inv.email}` }))))));
}

function roleAndSeat() {
  const role = h("select", { name: "role" }, Object.entries(ROLE_NAMES).map(([v, l]) => h("option", { value: v, selected: v === "member" }, l)));
  const seat = h("input", { type: "checkbox", name: "seat" });
  return { role, seat, fields: h("div", { class: "row" }, field("Role", role), h("div", { class: "field check" }, seat, h("label", { for: (seat.id = "seat-" + Math.random().toString(36).slice(2, 7)) }, "Assign a seat on accept"))) };
}

// Type an address and press Tab, comma or Enter (or paste a list) to add it.
function emailChips() {
  const emails = [];
  const chips = h("ul", { class: "chips", "aria-label": "Addresses to invite" });
  const input = h("input", { type: "text", name: "emails", autocomplete: "off", inputmode: "email" });
  const redraw = () => replace(chips, emails.map((e, i) => h("li", {}, e,
    button("×", () => { emails.splice(i, 1); redraw(); input.focus(); }, { class: "chip-remove", "aria-label": `Remove ${e}` }))));
  const add = (text) => {
    let added = 0;
    for (const part of text.split(/[\s,;]+/)) {
      const e = part.trim().toLowerCase();
      if (e && !emails.includes(e)) { emails.push(e); added += 1; }
    }
    redraw();
    return added;
  };
  input.addEventListener("keydown", (e) => {
    if ((e.key === "Tab" && !e.shiftKey) || e.key === "," || e.key === "Enter") {
      if (input.value.trim()) {
        e.preventDefault();
        add(input.value);
        input.value = "";
      } else if (e.key === "Enter") {
        e.preventDefault();
      }
    }
  });
  input.addEventListener("paste", (e) => {
    const text = e.clipboardData?.getData("text") || "";
    if (/[\s,;]/.test(text.trim())) {
      e.preventDefault();
      add(text);
    }
  });
  return { input, chips, take: () => { if (input.value.trim()) { add(input.value); input.value = ""; } return emails; } };
}

// The org's invitation_reminder_day: on which day of seven an invitee who has
// not accepted gets one reminder, or never (0).
async function reminderDialog(slug, refresh) {
  const org = await api("GET", `/orgs/${slug}`);
  const day = h("select", { name: "invitation_reminder_day" },
    [1, 2, 3, 4, 5, 6].map((d) => h("option", { value: String(d) }, `Day ${d} of 7`)),
    h("option", { value: "0" }, "Never"));
  day.value = String(org.invitation_reminder_day ?? 5);
  const digest = h("input", { type: "checkbox", name: "expired_invitations_digest" });
  digest.checked = Boolean(org.expired_invitations_digest);
  const out = h("div", { "aria-live": "polite" });
  const dialog = openDialog("Invitation reminders", h("form", { onsubmit: async (e) => {
    e.preventDefault();
    try {
      await api("PATCH", `/orgs/${slug}`, { json: {
        invitation_reminder_day: Number(day.value),
        expired_invitations_digest: digest.checked,
      } });
      announce("Reminder setting saved");
      dialog.close();
      await refresh();
    } catch (err) { replace(out, problemBox(err)); }
  } },
  field("Remind invitees who have not accepted", day,
    "One reminder mail, with a link of its own, on that day of the invitation's seven. It applies to invitations sent or resent from now on; Never also cancels the reminders still due."),
  h("div", { class: "field check" }, digest, h("label", { for: (digest.id = "digest-" + Math.random().toString(36).slice(2, 7)) },
    "Send each admin a daily digest of their invitations that expired unanswered")),
  out,
  h("div", { class: "actions" }, button("Cancel", () => dialog.close(), { class: "secondary" }), h("button", { type: "submit" }, "Save"))));
  day.focus();
}

function inviteDialog(slug, refresh) {
  const chips = emailChips();
  const { role, seat, fields } = roleAndSeat();
  const out = h("div", { "aria-live": "polite" });
  const dialog = openDialog("Invite users", h("form", { onsubmit: async (e) => {
    e.preventDefault();
    const emails = chips.take();
    if (!emails.length) { replace(out, problemBox({ title: "No address", detail: "Type an address, then press Tab or comma." })); chips.input.focus(); return; }
    try {
      const answer = await api("POST", `/orgs/${slug}/invitations`, { json: { emails, role: role.value, seat: seat.checked } });
      await refresh();
      announce(summaryText(answer.summary));
      if (answer.summary.invited === emails.length) { dialog.close(); return; }
      replace(out, h("p", {}, summaryText(answer.summary)), resultTable(answer.results));
    } catch (err) { replace(out, problemBox(err)); }
  } },
  field("Email addresses", chips.input, "Type an address and press Tab or comma to add it; paste a list to add many."),
  chips.chips, fields, out,
  h("div", { class: "actions" }, button("Cancel", () => dialog.close(), { class: "secondary" }), h("button", { type: "submit" }, "Send invitations"))),
  { wide: true });
  chips.input.focus();
}

function bulkDialog(slug, refresh, imports, following) {
  const file = h("input", { type: "file", name: "csv", accept: ".csv,text/csv", required: true });
  const out = h("div", { "aria-live": "polite" });
  const send = h("button", { type: "button", hidden: true }, "Send invitations");
  const cancel = button("Cancel", () => dialog.close(), { class: "secondary" });
  let bytes = null;
  const dialog = openDialog("Bulk upload", h("div", {},
    h("p", {}, "A CSV file with an ", h("code", {}, "email"), " column and optional ", h("code", {}, "role"), " and ", h("code", {}, "seat"), " (true/false) columns; up to 10,000 rows. You see what would happen before anything is sent; more than 500 rows are sent in the background, and this shows their progress."),
    field("CSV file", file), out,
    h("div", { class: "actions" }, cancel, send)), { wide: true });
  file.addEventListener("change", async () => {
    send.hidden = true;
    const chosen = file.files[0];
    if (!chosen) return;
    // The bytes as saved: the API reads UTF-8, UTF-16 and Windows-1252 (and
    // says which), where reading them here as text would mangle the last two.
    bytes = await chosen.arrayBuffer();
    replace(out, h("p", {}, "Checking…"));
    try {
      const dry = await api("POST", `/orgs/${slug}/invitations`, { csv: bytes, query: { dry_run: "true" } });
      replace(out, h("h3", {}, "Dry run"), h("p", { class: "summary" }, summaryText(dry.summary)),
        h("p", { class: "hint" }, formatText(dry.csv)), resultTable(dry.results));
      send.textContent = `Send ${dry.summary.invited} invitation${dry.summary.invited === 1 ? "" : "s"}`;
      send.hidden = dry.summary.invited === 0;
    } catch (err) { replace(out, problemBox(err)); }
  });
  send.addEventListener("click", async () => {
    send.disabled = true;
    try {
      const answer = await api("POST", `/orgs/${slug}/invitations`, { csv: bytes });
      if (isJob(answer)) {
        followImport(dialog, out, slug, answer, { refresh, imports, following });
        send.hidden = true;
        file.disabled = true;
        cancel.textContent = "Close";
        return;
      }
      await refresh();
      announce(summaryText(answer.summary));
      dialog.close();
    } catch (err) {
      replace(out, problemBox(err));
      send.disabled = false;
    }
  });
  file.focus();
}

// More than 500 rows: the answer is the job, followed here until it ends;
// closing the dialog leaves it to the page's Recent imports.
function followImport(dialog, out, slug, job, { refresh, imports, following }) {
  announce(`Import started: ${job.rows.toLocaleString()} rows`);
  following.count += 1;
  let counted = true;
  const release = () => { if (counted) { counted = false; following.count -= 1; } };
  dialog.addEventListener("close", release);
  const box = h("div", { class: "job" });
  replace(out, h("p", { class: "hint" }, formatText(job.csv), " More than 500 rows: they are invited in the background. You may close this; ",
    h("strong", {}, "Recent imports"), " on the page follows the job too."), box);
  imports.load().catch(() => {});
  followJob(box, slug, job, {
    alive: () => dialog.open,
    onEnd: async (done) => {
      release();
      announce(done.status === "failed" ? `Import failed: ${done.error || ""}` : `Import finished. ${summaryText(done.summary)}`);
      await refresh();
    },
  });
}

// How the API read the file: "Read as Windows-1252, semicolon-separated."
function formatText(csv) {
  if (!csv) return "";
  const names = { "utf-8": "UTF-8", "utf-16le": "UTF-16", "utf-16be": "UTF-16", "windows-1252": "Windows-1252" };
  return `Read as ${names[csv.encoding] || csv.encoding}, ${csv.delimiter}-separated.`;
}
