// The wasm-free relay (stepup/callback): what the package recommends for the callback page.
import { handlePopupCallback } from "stepup/callback";

handlePopupCallback();
