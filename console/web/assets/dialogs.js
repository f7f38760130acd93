// Modal dialogs on the native <dialog> element: focus moves into the dialog,
// Escape closes it, and focus returns to what opened it.
import { h, button, field, announce } from "./ui.js";

export function openDialog(title, body, { onClose, wide } = {}) {
  const opener = document.activeElement;
  const titleId = `d-${Math.random().toString(36).slice(2, 9)}`;
  const dialog = h("dialog", { "aria-labelledby": titleId, class: wide ? "wide" : "" },
    h("h2", { id: titleId }, title), body);
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener && opener.isConnected) opener.focus();
    else document.getElementById("main")?.focus();
    onClose?.(dialog.returnValue);
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

// Resolves true when the person confirms, false when they cancel.
export function confirmDialog(title, text, confirmLabel) {
  return new Promise((resolve) => {
    let confirmed = false;
    const dialog = openDialog(title, h("div", {},
      h("p", {}, text),
      h("div", { class: "actions" },
        button("Cancel", () => dialog.close(), { class: "secondary", autofocus: true }),
        button(confirmLabel, () => { confirmed = true; dialog.close(); }, { class: "danger" }))),
    { onClose: () => resolve(confirmed) });
  });
}

// A new secret (an access token, an API key), shown this once: read-only,
// selected, with a Copy button that falls back to selecting it.
export function secretDialog({ title, label, secret, note, announced }) {
  const hintId = `h-${Math.random().toString(36).slice(2, 9)}`;
  const value = h("input", { type: "text", readOnly: true, value: secret, class: "secret", "aria-describedby": hintId });
  const copied = h("span", { role: "status" });
  const dialog = openDialog(title, h("div", {},
    h("p", { id: hintId }, ...note),
    field(label, value),
    h("div", { class: "actions" },
      button("Copy", async () => {
        try {
          await navigator.clipboard.writeText(secret);
          copied.textContent = "Copied.";
        } catch {
          value.select();
          copied.textContent = "Select the text and copy it.";
        }
      }),
      copied,
      button("Done", () => dialog.close(), { class: "secondary" }))), { wide: true });
  value.focus();
  value.select();
  announce(announced);
}
