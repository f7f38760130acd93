// Accept invitation (the invitation mail's link): signed out, the router sends
// the person to sign in and back here with the token kept; signed in, it shows
// the org, the role and the seat offered, and Accept. Refusals in words.
import { h, replace, problemBox, button, date, ROLE_NAMES } from "./ui.js";
import { api } from "./client.js";
import { session, signOutTo } from "./auth.js";

function refusal(err, navigate) {
  const here = location.pathname + location.search;
  switch (err.code) {
    case "invitation_expired":
      return [h("h1", {}, "This invitation has expired"),
        h("p", {}, `${err.detail} Ask the person who invited you to resend it; the new mail brings a fresh link.`)];
    case "email_mismatch":
      return [h("h1", {}, "Sign in with the invited address"),
        h("p", {}, `This invitation was sent to another email address than ${session()?.email}. Sign in with the address the invitation was sent to.`),
        button("Sign in with another address", () => { signOutTo(here); navigate("/app/signin"); })];
    case "invitation_not_found":
      return [h("h1", {}, "This link no longer works"),
        h("p", {}, "It was already used, replaced by a newer invitation (resent), or revoked. If you still need access, ask for a new invitation.")];
    case "inviter_no_longer_allowed":
      return [h("h1", {}, "This invitation needs a new sender"),
        h("p", {}, "The admin who invited you can no longer grant this role. Ask an admin of the organization to resend the invitation; the new mail brings a fresh link.")];
    case "already_member":
      return [h("h1", {}, "You are already a member"),
        h("p", {}, "You already belong to this organization. ", h("a", { href: "/app" }, "Your organizations"))];
    default:
      return [h("h1", {}, "Accept invitation"), problemBox(err)];
  }
}

export async function acceptScreen(view, { query, navigate }) {
  const token = query.get("token") || "";
  if (!token) {
    replace(view, h("h1", {}, "Accept invitation"), h("p", {}, "This page opens from the link in an invitation mail; the link is missing its token."));
    return;
  }
  replace(view, h("h1", {}, "Accept invitation"), h("p", { "aria-busy": "true" }, "Loading the invitation…"));
  let offer;
  try {
    offer = await api("POST", "/invitations/preview", { json: { token } });
  } catch (err) {
    replace(view, ...refusal(err, navigate));
    return;
  }
  const out = h("div");
  replace(view,
    h("h1", {}, `Join ${offer.org.name}`),
    h("dl", { class: "offer" },
      h("dt", {}, "Organization"), h("dd", {}, `${offer.org.name} (${offer.org.slug})`),
      h("dt", {}, "Role"), h("dd", {}, ROLE_NAMES[offer.role] || offer.role),
      h("dt", {}, "Seat"), h("dd", {}, offer.seat ? "A seat, if one is free when you accept" : "No seat"),
      h("dt", {}, "Invited address"), h("dd", {}, offer.email),
      h("dt", {}, "Expires"), h("dd", {}, date(offer.expires_at))),
    h("div", { class: "actions start" }, button("Accept invitation", async (e) => {
      e.target.disabled = true;
      try {
        const joined = await api("POST", "/invitations/accept", { json: { token } });
        // The token is spent: keep it out of the history.
        history.replaceState(null, "", "/app/invitations/accept");
        replace(view,
          h("h1", {}, `Welcome to ${joined.org.name}`),
          h("p", {}, `You joined as ${ROLE_NAMES[joined.role] || joined.role}, ${joined.seat ? "with a seat" : "without a seat"}${offer.seat && !joined.seat ? " (none was free; an admin can assign one later)" : ""}.`),
          h("p", {}, h("a", { href: `/app/orgs/${joined.org.slug}/tokens` }, joined.seat ? "Issue an access token" : "Open the organization")));
        view.querySelector("h1").tabIndex = -1;
        view.querySelector("h1").focus();
      } catch (err) {
        replace(view, ...refusal(err, navigate));
      }
    })),
    out);
}
