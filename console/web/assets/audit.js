// Audit log (admins): the org's events, newest first, 50 a page. Whatever an
// entry holds, the page never scrolls sideways: long words wrap, and a long
// detail (an import chunk names dozens of addresses) is summarized, with the
// whole of it on demand ("Show details").
import { h, replace, problemBox, date, button } from "./ui.js";
import { api } from "./client.js";

export async function auditScreen(view, { slug }) {
  const out = h("div");
  const body = h("tbody");
  const pager = h("div", { class: "row" });
  replace(view, out, h("table", { class: "audit" },
    h("caption", { class: "visually-hidden" }, "Audit log, newest first"),
    h("thead", {}, h("tr", {}, ["When", "Who", "Action", "Target", "Detail"].map((c) => h("th", { scope: "col" }, c)))),
    body), pager);
  const load = async (cursor) => {
    try {
      const page = await api("GET", `/orgs/${slug}/audit`, { query: { limit: 50, cursor } });
      body.append(...page.items.map((e) => h("tr", {},
        h("td", {}, date(e.at)), h("td", {}, e.actor), h("td", {}, h("code", {}, e.action)),
        h("td", {}, e.target), h("td", {}, detailCell(e.detail)))));
      replace(pager, page.next_cursor ? button("Older events", () => load(page.next_cursor), { class: "secondary" }) : null);
    } catch (err) { replace(out, problemBox(err)); }
  };
  await load();
}

// Lists longer than this are counted, not printed; texts are cut at TEXT.
const LIST = 3;
const TEXT = 80;

function clip(text) {
  return text.length > TEXT ? `${text.slice(0, TEXT - 1)}…` : text;
}

// One value of a detail in short: a long list as its count ("47 addresses").
function brief(value) {
  if (Array.isArray(value)) {
    if (value.length > LIST) {
      const addresses = value.every((v) => typeof v === "string" && v.includes("@"));
      return { text: `${value.length} ${addresses ? "addresses" : "items"}`, cut: true };
    }
    const text = value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ");
    return { text: clip(text), cut: text.length > TEXT };
  }
  const text = value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
  return { text: clip(text), cut: text.length > TEXT };
}

function detailCell(detail) {
  if (!detail) return "";
  if (typeof detail !== "object") {
    const { text, cut } = brief(detail);
    return cut ? expandable(text, String(detail)) : h("code", { class: "detail" }, text);
  }
  const parts = Object.entries(detail).map(([k, v]) => ({ key: k, ...brief(v) }));
  const text = parts.map((p) => `${p.key}: ${p.text}`).join(", ");
  if (!parts.some((p) => p.cut)) return h("code", { class: "detail" }, text);
  return expandable(text, JSON.stringify(detail, null, 2));
}

// The summary, and a toggle that shows the whole detail, wrapped.
function expandable(summary, full) {
  const whole = h("pre", { class: "detail-full", hidden: true }, full);
  const toggle = button("Show details", () => {
    const open = whole.hidden;
    whole.hidden = !open;
    toggle.textContent = open ? "Hide details" : "Show details";
    toggle.setAttribute("aria-expanded", String(open));
  }, { class: "link", "aria-expanded": "false" });
  return [h("code", { class: "detail" }, summary), " ", toggle, whole];
}
