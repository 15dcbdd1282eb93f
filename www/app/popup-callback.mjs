// The popup's callback page: handlePopupCallback() posts the provider's answer to the window that
// opened the popup (our own origin only, or a BroadcastChannel when COOP severed window.opener),
// then closes the popup. If it is still open afterwards, say what to do.
import init, { handlePopupCallback } from "/pkg/stepup.js";

const status = document.getElementById("popup-status");
try {
  await init();
  handlePopupCallback();
  setTimeout(() => {
    status.textContent = window.opener
      ? "Done. You can close this window."
      : "This page finishes a sign-in started in a popup. Nothing to do here: go back to Stepup Bank.";
  }, 1500);
} catch (err) {
  status.textContent = `This sign-in could not be handed back (${err?.code ?? "error"}). Close this window and try again from Stepup Bank.`;
}
