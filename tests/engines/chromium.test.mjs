// The engine suite (suite.mjs) in Chromium (Debian chromium) through playwright-core.
import { engineSuite } from "./suite.mjs";

engineSuite("chromium");
