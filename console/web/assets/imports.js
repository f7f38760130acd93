// Uploads' outcomes and import jobs. An upload of more than 500 rows becomes
// a job (202): the Bulk upload dialog follows it (a progress bar, the counts
// and each row's outcome as they arrive, polling the job about every second
// until it ends), and the Invitations page lists the recent jobs, each with
// its rows on demand, following those still running.
import { h, replace, problemBox, date, button } from "./ui.js";
import { api } from "./client.js";

export const OUTCOMES = {
  invited: "Invited",
  already_member: "Already a member",
  already_invited: "Already invited",
  invalid: "Invalid",
  duplicate: "Duplicate",
  limit_exceeded: "Over the limit",
  already_suppressed: "Suppressed (mail bounced or was reported)",
  cooldown: "Mailed too recently (cooldown)",
};

export function summaryText(summary) {
  return Object.entries(OUTCOMES).filter(([k]) => summary[k]).map(([k, l]) => `${l}: ${summary[k].toLocaleString()}`).join(" · ") || "Nothing to do.";
}

export function resultTable(results) {
  const table = h("table", { class: "results" },
    h("thead", {}, h("tr", {}, ["Row", "Email", "Outcome", "Reason"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody"));
  appendResults(table, results);
  return table;
}

function appendResults(table, results) {
  table.tBodies[0].append(...results.map((r) => h("tr", { class: `outcome-${r.outcome}` },
    h("td", {}, String(r.row)), h("td", {}, r.email), h("td", {}, OUTCOMES[r.outcome] || r.outcome), h("td", {}, r.error || ""))));
}

// The contract's words are queued, running, done and failed; "finished" is
// taken as done too.
const ENDED = new Set(["done", "finished", "failed"]);
const STATUS = { queued: "queued", running: "running", done: "finished", finished: "finished", failed: "failed" };

export function jobEnded(job) {
  return ENDED.has(job.status);
}

// A 202 answer to an upload: the job, not the rows' outcomes.
export function isJob(answer) {
  return Boolean(answer && answer.id && answer.status && !Array.isArray(answer.results));
}

function progress(job) {
  return h("progress", { max: String(Math.max(job.rows, 1)), value: String(job.processed), "aria-label": "Rows processed" });
}

function progressText(job) {
  return `${job.processed.toLocaleString()} of ${job.rows.toLocaleString()} rows processed`;
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
const PAGE = 200;

// Follows `job` in `box` while `alive()`: about every second, one GET of the
// job with the next page of its rows (from the first row not listed yet).
// Once it ends, the remaining rows are fetched at once and `onEnd(job)` runs.
export async function followJob(box, slug, job, { alive, onEnd }) {
  const bar = progress(job);
  const status = h("p", { class: "job-status" });
  const counts = h("p", { class: "summary" });
  const table = resultTable([]);
  const listed = h("span");
  const rows = h("details", { class: "job-rows" }, h("summary", {}, "Each row's outcome ", listed), table);
  const problem = h("div");
  replace(box, h("h3", {}, "Import"), status, bar, counts, problem, rows);
  const draw = (j) => {
    bar.max = Math.max(j.rows, 1);
    bar.value = j.processed;
    replace(status, h("span", { class: `badge ${j.status}` }, STATUS[j.status] || j.status), " ", progressText(j),
      j.error ? h("span", { class: "muted" }, ` · ${j.error}`) : null);
    replace(counts, j.processed ? summaryText(j.summary) : "Waiting for the first rows…");
    replace(listed, `(${table.tBodies[0].rows.length.toLocaleString()} so far)`);
  };
  draw(job);
  let cursor;
  let complete = false;
  let failures = 0;
  while (alive()) {
    let page;
    try {
      page = await api("GET", `/orgs/${slug}/imports/${job.id}`, { query: complete ? { limit: 1 } : { limit: PAGE, cursor } });
      failures = 0;
      replace(problem);
    } catch (err) {
      // A hiccup (the network, a 503) is retried; the job goes on regardless.
      failures += 1;
      replace(problem, problemBox(err));
      if (failures >= 10) return;
      await sleep(2000);
      continue;
    }
    if (!alive()) return;
    if (!complete) {
      appendResults(table, page.results);
      if (page.next_cursor) cursor = page.next_cursor;
      else complete = true;
    }
    draw(page);
    if (jobEnded(page)) {
      if (complete) {
        replace(listed, `(${table.tBodies[0].rows.length.toLocaleString()})`);
        await onEnd(page);
        return;
      }
      continue; // the rest of the rows, at once
    }
    await sleep(1000);
  }
}

// "Recent imports" on the Invitations page: hidden while the org has none.
// While a listed job runs (and the upload dialog is not following it), the
// list is fetched again every 2 seconds; when such a job ends, `onJobEnd`.
export function recentImports(section, slug, { following, onJobEnd }) {
  const expanded = new Map(); // job id -> its rows' row, kept across redraws
  let active = new Set();
  let timer = null;
  const schedule = () => {
    clearTimeout(timer);
    timer = active.size ? setTimeout(() => load(true), 2000) : null;
  };
  const render = (jobs) => {
    if (!jobs.length) { replace(section); return; }
    const body = h("tbody");
    for (const job of jobs) {
      const rowsRow = expanded.get(job.id);
      const toggle = button(rowsRow ? "Hide rows" : "Show rows", () => {
        if (expanded.has(job.id)) {
          expanded.get(job.id).remove();
          expanded.delete(job.id);
          toggle.textContent = "Show rows";
          toggle.setAttribute("aria-expanded", "false");
          return;
        }
        const added = jobRows(slug, job, 6);
        expanded.set(job.id, added);
        tr.after(added);
        toggle.textContent = "Hide rows";
        toggle.setAttribute("aria-expanded", "true");
      }, { class: "secondary", "aria-expanded": rowsRow ? "true" : "false" });
      const tr = h("tr", { "data-import": job.id },
        h("td", {}, date(job.created_at)),
        h("td", {}, job.created_by),
        h("td", { class: "num" }, job.rows.toLocaleString()),
        h("td", { class: "job-state" }, jobEnded(job)
          ? [h("span", { class: `badge ${job.status}` }, STATUS[job.status] || job.status), job.error ? h("p", { class: "muted" }, job.error) : null]
          : [h("span", { class: `badge ${job.status}` }, STATUS[job.status] || job.status), " ", progress(job), h("span", { class: "muted" }, ` ${progressText(job)}`)]),
        h("td", { class: "summary" }, job.processed ? summaryText(job.summary) : "—"),
        h("td", {}, toggle));
      body.append(tr);
      if (rowsRow) body.append(rowsRow);
    }
    replace(section,
      h("h2", { id: "imports-heading" }, "Recent imports"),
      h("p", { class: "muted" }, "Uploads of more than 500 rows, newest first; they run in the background and are kept 30 days."),
      h("table", { class: "imports" },
        h("caption", { class: "visually-hidden" }, "Recent imports, newest first"),
        h("thead", {}, h("tr", {}, ["Started", "By", "Rows", "Status", "Outcome", ""].map((c) => h("th", { scope: "col" }, c)))),
        body));
  };
  const load = async (fromTimer = false) => {
    if (!section.isConnected && fromTimer) return;
    if (fromTimer && following()) { schedule(); return; }
    let jobs;
    try {
      ({ items: jobs } = await api("GET", `/orgs/${slug}/imports`, { query: { limit: 10 } }));
    } catch (err) {
      if (!fromTimer) throw err;
      schedule();
      return;
    }
    const wasActive = active;
    active = new Set(jobs.filter((j) => !jobEnded(j)).map((j) => j.id));
    render(jobs);
    schedule();
    if (fromTimer && [...wasActive].some((id) => !active.has(id))) await onJobEnd();
  };
  return { load };
}

// One job's per-row outcomes, a page of 200 at a time, in a row of its own.
function jobRows(slug, job, columns) {
  const cell = h("td", { colspan: String(columns) }, h("p", { "aria-busy": "true" }, "Loading…"));
  const table = resultTable([]);
  const more = async (cursor) => {
    try {
      const page = await api("GET", `/orgs/${slug}/imports/${job.id}`, { query: { limit: PAGE, cursor } });
      appendResults(table, page.results);
      const rest = page.next_cursor
        ? button("More rows", () => { rest.disabled = true; more(page.next_cursor); }, { class: "secondary" })
        : null;
      const note = !jobEnded(page) ? h("p", { class: "muted" }, "The job is still running: these are the rows processed so far.") : null;
      replace(cell, table.tBodies[0].rows.length ? table : h("p", { class: "empty" }, "No row processed yet."), note, rest);
    } catch (err) { replace(cell, problemBox(err)); }
  };
  more();
  return h("tr", { class: "job-rows" }, cell);
}
