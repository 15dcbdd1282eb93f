// The wasm-free entry: the relay runs at once, without loading the wasm.
import { handlePopupCallback } from "stepup/callback";

handlePopupCallback();
