// The engine suite (suite.mjs) in WebKitGTK (Debian webkit2gtk-driver: WebKitWebDriver and MiniBrowser, under Xvfb) through selenium-webdriver.
import { engineSuite } from "./suite.mjs";

engineSuite("webkit");
