// The popup's callback page: handlePopupCallback() (the package's wasm-free stepup/callback entry) posts the
// provider's answer to the window that opened the popup (our own origin only, or a BroadcastChannel when COOP
// severed window.opener), then closes the popup. If it is still open afterwards, say what to do.
import { handlePopupCallback } from "/pkg/callback.js";

const status = document.getElementById("popup-status");
if (handlePopupCallback()) {
  setTimeout(() => {
    status.textContent = window.opener
      ? "Done. You can close this window."
      : "This page finishes a sign-in started in a popup. Nothing to do here: go back to Stepup Bank.";
  }, 1500);
} else {
  status.textContent = "This page has no sign-in answer to hand back. Close this window and try again from Stepup Bank.";
}
