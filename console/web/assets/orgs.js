// Organizations: the ones I belong to (role and seat), and creating one.
import { h, replace, field, problemBox, announce, ROLE_NAMES } from "./ui.js";
import { api } from "./client.js";

export async function orgsScreen(view, { navigate }) {
  const list = h("div", { "aria-busy": "true" }, "Loading…");
  replace(view, h("h1", {}, "Your organizations"), list, createForm(navigate));
  try {
    // Orgs whose directory provisioned this address are joined on sight.
    await api("POST", "/me/join").catch(() => null);
    const { items } = await api("GET", "/me/orgs");
    list.removeAttribute("aria-busy");
    if (!items.length) {
      replace(list, h("p", { class: "empty" }, "You do not belong to any organization yet. Create one below, or accept an invitation from your mail."));
      return;
    }
    replace(list, h("table", {},
      h("caption", { class: "visually-hidden" }, "Organizations you belong to"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Organization"), h("th", { scope: "col" }, "Your role"), h("th", { scope: "col" }, "Your seat"))),
      h("tbody", {}, items.map((it) => h("tr", {},
        h("td", {}, h("a", { href: `/app/orgs/${it.org.slug}` }, it.org.name), h("span", { class: "muted" }, ` ${it.org.slug}`)),
        h("td", {}, ROLE_NAMES[it.role] || it.role),
        h("td", {}, it.seat ? "Seat assigned" : "No seat"))))));
  } catch (err) {
    replace(list, problemBox(err));
  }
}

function createForm(navigate) {
  const slug = h("input", { name: "slug", required: true, pattern: "[a-z0-9][a-z0-9\\-]{1,37}[a-z0-9]", autocomplete: "off" });
  const name = h("input", { name: "name", required: true, maxlength: "100" });
  const seats = h("input", { name: "seat_limit", type: "number", min: "0", max: "100000", value: "5" });
  const out = h("div");
  return h("form", { class: "card", "aria-labelledby": "create-org", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const org = await api("POST", "/orgs", { json: { slug: slug.value, name: name.value, seat_limit: Number(seats.value) } });
      announce(`Created ${org.name}`);
      navigate(`/app/orgs/${org.slug}/members`);
    } catch (err) {
      replace(out, problemBox(err));
    }
  } },
  h("h2", { id: "create-org" }, "Create an organization"),
  field("Slug", slug, "3–39 of a–z, 0–9 and -, e.g. acme. It names the organization in links and the API."),
  field("Name", name),
  field("Seat limit", seats, "How many seats (paid licences) the organization has."),
  h("button", { type: "submit" }, "Create organization"), out);
}
