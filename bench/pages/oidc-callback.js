import { UserManager } from "oidc-client-ts";

const settings = JSON.parse(localStorage.getItem("bench.oidc.settings"));
await new UserManager(settings).signinPopupCallback();
