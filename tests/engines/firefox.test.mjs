// The engine suite (suite.mjs) in Firefox ESR (Debian firefox-esr) through puppeteer-core over WebDriver BiDi.
import { engineSuite } from "./suite.mjs";

engineSuite("firefox");
