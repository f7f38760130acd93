// Audit log (admins): the org's events, newest first, 50 a page.
import { h, replace, problemBox, date, button } from "./ui.js";
import { api } from "./client.js";

export async function auditScreen(view, { slug }) {
  const out = h("div");
  const body = h("tbody");
  const pager = h("div", { class: "row" });
  replace(view, out, h("table", {},
    h("caption", { class: "visually-hidden" }, "Audit log, newest first"),
    h("thead", {}, h("tr", {}, ["When", "Who", "Action", "Target", "Detail"].map((c) => h("th", { scope: "col" }, c)))),
    body), pager);
  const load = async (cursor) => {
    try {
      const page = await api("GET", `/orgs/${slug}/audit`, { query: { limit: 50, cursor } });
      body.append(...page.items.map((e) => h("tr", {},
        h("td", {}, date(e.at)), h("td", {}, e.actor), h("td", {}, h("code", {}, e.action)),
        h("td", {}, e.target), h("td", {}, h("code", { class: "detail" }, describe(e.detail))))));
      replace(pager, page.next_cursor ? button("Older events", () => load(page.next_cursor), { class: "secondary" }) : null);
    } catch (err) { replace(out, problemBox(err)); }
  };
  await load();
}

function describe(detail) {
  if (!detail || typeof detail !== "object") return detail ? String(detail) : "";
  return Object.entries(detail).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ");
}
