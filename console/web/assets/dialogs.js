// Modal dialogs on the native <dialog> element: focus moves into the dialog,
// Escape closes it, and focus returns to what opened it.
import { h, button } from "./ui.js";

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
