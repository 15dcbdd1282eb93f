/**
 * Step-up authentication for this page: popup and redirect logins, the session, and `fetch`.
 */
export class StepUpClient {
    private constructor();
    /**
     * Release the client the wasm keeps for this object (optional: a client the page keeps never needs it, and one
     * that becomes unreachable is released when it is collected). Afterwards every method throws or rejects with
     * `invalid_config`.
     */
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Check the configuration and load the provider's discovery document (unless `metadata` is given).
     */
    static create(config: ClientConfig): Promise<StepUpClient>;
    /**
     * A DPoP proof (RFC 9449) for a request the app sends itself with `Authorization: DPoP <accessToken>`:
     * for `method` and the absolute `url` as the request carries them, with `ath` of `options.accessToken`
     * (default: the session's), and the server's nonce (`options.nonce`: a DPoP-Nonce the app received,
     * remembered for that origin; else the last one that origin sent). One proof per request. Rejects with
     * invalid_config without `useDpop`.
     */
    dpopProof(method: string, url: string | URL, options?: DpopProofOptions): Promise<string>;
    /**
     * `fetch` with the session's bearer token; an RFC 9470 step-up challenge (or Entra ID's
     * `insufficient_claims`) is answered with a popup step-up and one retry.
     */
    fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
    /**
     * A valid access token for `options.audience` / `options.scope`: the cached one, else renewed with the
     * refresh token; `login_required` without a session or refresh token, `step_up_required` for `mfa_required`.
     */
    getAccessToken(options?: GetAccessTokenOptions): Promise<string>;
    /**
     * Finish a redirect login from `url` (default: this page's URL, which is then cleaned).
     */
    handleRedirectCallback(url?: string): Promise<RedirectCallbackResult>;
    /**
     * Log in through a popup. Call it inside a click handler: the popup opens before this returns.
     */
    loginWithPopup(options?: PopupLoginOptions): Promise<Session>;
    /**
     * Leave for the provider in this tab; `handleRedirectCallback` finishes on the way back.
     */
    loginWithRedirect(options?: RedirectLoginOptions): Promise<void>;
    /**
     * Forget the session, and go to the provider's logout endpoint when it has one.
     */
    logout(options?: LogoutOptions): Promise<void>;
    /**
     * Call `listener(session)` after every change of the session (here or in another tab); returns the
     * function that unsubscribes it. A listener that is not a function is `invalid_config`.
     */
    onSessionChange(listener: (session: Session | null) => void): () => void;
    /**
     * The current session if it satisfies `policy`; otherwise a step-up login whose result must
     * satisfy it. Call it inside a click handler (popup mode opens the popup before returning).
     */
    requireStepUp(policy: StepUpPolicy, options?: RequireStepUpOptions): Promise<Session>;
    /**
     * The RFC 7638 thumbprint of the DPoP key (the `cnf.jkt` of the tokens bound to it); `undefined`
     * without `useDpop`, and for the moment `logout()` takes to make the next key pair.
     */
    readonly dpopThumbprint: string | undefined;
    /**
     * The current session, or `null`.
     */
    readonly session: Session | null;
}
