import init, { handlePopupCallback } from "stepup";

await init();
handlePopupCallback();
