//! DPoP (RFC 9449) in the browser: the client's ES256 key pair and the proofs it signs.
//!
//! One key pair per client (issuer + client id), made by WebCrypto with a **non-extractable** private key:
//! script can sign with it but never read it, so tokens bound to it (`cnf.jkt`) are worthless to whoever
//! copies them out of the page. The pair lives where the tokens live ([`KeyStorage`]): in memory, or in
//! IndexedDB, which stores the `CryptoKey` objects themselves (structured clone), still non-extractable.
//!
//! A redirect login leaves the page, and with it a key kept in memory; the authorization request carried
//! that key's thumbprint (`dpop_jkt`), so the token request after the return must prove the same key. The
//! pair is therefore handed over in IndexedDB under the login's `state` and taken out (deleted) by the
//! callback: the key crosses exactly that one navigation.
//!
//! The proof text is built in `core::dpop`; only key handling and the signature happen here, each through
//! one coarse function of `glue.js`.

use alloc::rc::Rc;
use alloc::string::String;

use js_sys::Promise;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use super::crypto;
use super::util::{get, now_seconds, TrapCell};
use crate::core::dpop::{self, Claims, Nonces};
use crate::core::error::{Error, ErrorCode, Result};

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `dpopKey`: load, take or make the key pair (`op` 0 new, 1 stored or new+stored, 2 taken or new,
    /// 3 new in place of the stored one).
    #[wasm_bindgen(js_name = dpopKey)]
    fn dpop_key_js(name: &str, op: u8) -> Promise;
    /// glue.js `dpopLeave`: store the pair under `name`, then go to `url`.
    #[wasm_bindgen(js_name = dpopLeave)]
    fn dpop_leave_js(name: &str, pair: &JsValue, url: &str);
    /// glue.js `dpopDelete`: delete the pair under `name` and its hand-overs.
    #[wasm_bindgen(js_name = dpopDelete)]
    fn dpop_delete_js(name: &str);
    /// glue.js `dpopSign`: the signing input, ".", its ES256 signature in base64url.
    #[wasm_bindgen(js_name = dpopSign)]
    fn dpop_sign_js(pair: &JsValue, input: &str) -> Promise;
}

/// Where the key pair is kept between page loads: choose it as the tokens are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyStorage {
    /// This page's memory only: a reload makes a new pair (tokens in memory are gone too).
    #[default]
    Memory,
    /// IndexedDB (database `stepup-dpop`): the same pair after a reload, for tokens kept in web storage.
    IndexedDb,
}

/// A loaded key pair: the `CryptoKeyPair` object, its public JWK (RFC 7638 form) and thumbprint.
#[derive(Clone, Debug)]
pub struct DpopKey {
    pair: JsValue,
    jwk: String,
    jkt: String,
}

impl DpopKey {
    /// The RFC 7638 thumbprint: `dpop_jkt`, and the `cnf.jkt` of tokens bound to this key.
    pub fn thumbprint(&self) -> &str {
        &self.jkt
    }
}

fn key_error(cause: JsValue) -> Error {
    Error::new(ErrorCode::UnsupportedAlgorithm, "the browser could not make, keep or use the DPoP key (WebCrypto ES256, IndexedDB)")
        .with_cause(cause)
}

/// The DPoP state of one client: its key pair (loaded on demand) and the servers' latest nonces.
#[derive(Debug)]
pub struct Dpop {
    /// The IndexedDB key: issuer, newline, client id (neither can hold a newline).
    name: String,
    storage: KeyStorage,
    key: TrapCell<Option<Rc<DpopKey>>>,
    nonces: TrapCell<Nonces>,
}

impl Dpop {
    pub fn new(issuer: &str, client_id: &str, storage: KeyStorage) -> Dpop {
        let mut name = String::from(issuer);
        name.push('\n');
        name.push_str(client_id);
        Dpop { name, storage, key: TrapCell::new(None), nonces: TrapCell::new(Nonces::default()) }
    }

    pub fn storage(&self) -> KeyStorage {
        self.storage
    }

    /// The key pair if it is loaded.
    pub fn loaded(&self) -> Option<Rc<DpopKey>> {
        self.key.borrow().clone()
    }

    /// The loaded key's thumbprint, for a request built synchronously (the authorization URL). A client
    /// whose key is not loaded yet is `invalid_config`: `StepUpClient::create` loads it.
    pub fn thumbprint(&self) -> Result<String> {
        self.loaded()
            .map(|k| String::from(k.thumbprint()))
            .ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "the DPoP key pair is not loaded yet").with_claim("useDpop"))
    }

    async fn load(&self, name: &str, op: u8) -> Result<Rc<DpopKey>> {
        let mut done = super::task::settled(dpop_key_js(name, op)).await.map_err(key_error)?;
        // A stored pair that is not what we make (an extractable key swapped in): never used. A kept pair is replaced
        // by a new one (op 3); a redirect's hand-over gives way to a new pair in memory (op 0), which the provider
        // then refuses for the code (`dpop_jkt` differs).
        if get(&done, "about").as_string().is_some_and(|about| !dpop::sound_stored_key(&about)) {
            let next = if op == 2 { 0 } else { 3 };
            done = super::task::settled(dpop_key_js(name, next)).await.map_err(key_error)?;
        }
        let (x, y) = (get(&done, "x").as_string().unwrap_or_default(), get(&done, "y").as_string().unwrap_or_default());
        let jwk = dpop::public_jwk(&x, &y);
        let key = Rc::new(DpopKey { pair: get(&done, "pair"), jkt: dpop::thumbprint(&jwk), jwk });
        *self.key.borrow_mut() = Some(key.clone());
        Ok(key)
    }

    /// The key pair: loaded already, else from IndexedDB ([`KeyStorage::IndexedDb`]), else a new one.
    pub async fn key(&self) -> Result<Rc<DpopKey>> {
        match self.loaded() {
            Some(k) => Ok(k),
            None => self.load(&self.name, u8::from(self.storage == KeyStorage::IndexedDb)).await,
        }
    }

    /// Another tab changed the session (signed in, renewed, or signed out and made the next pair): tokens kept in
    /// web storage are bound to the pair stored in IndexedDB, which that tab may have replaced, so read it again.
    /// Keys kept in memory belong to their tab alone.
    pub fn follow_other_tab(self: &Rc<Self>) {
        if self.storage == KeyStorage::IndexedDb {
            let d = self.clone();
            super::task::spawn(async move {
                let _ = d.load(&d.name, 1).await;
            });
        }
    }

    fn handoff_name(&self, state: &str) -> String {
        let mut name = self.name.clone();
        name.push('\n');
        name.push_str(state);
        name
    }

    /// A redirect login leaves for `url`. A key kept in memory is first stored under the login's `state`
    /// for the callback ([`Dpop::take_handoff`]), and the page leaves once it is (the navigation happens
    /// after this returns); a key already in IndexedDB needs nothing, and the page leaves now.
    pub fn leave(&self, state: &str, url: &str) -> Result<()> {
        match (self.storage, self.loaded()) {
            (KeyStorage::Memory, Some(key)) => {
                dpop_leave_js(&self.handoff_name(state), &key.pair, url);
                Ok(())
            }
            _ => super::redirect::navigate(url),
        }
    }

    /// On the redirect callback: the key pair the login with `state` was made with, taken out of IndexedDB.
    /// When it is not there (another browser, or storage cleared) a new pair is made, and the provider
    /// refuses the code for it (`dpop_jkt` differs): `token_request_failed`, never a token for another key.
    pub async fn take_handoff(&self, state: &str) -> Result<()> {
        if self.storage == KeyStorage::Memory {
            self.load(&self.handoff_name(state), 2).await?;
        }
        Ok(())
    }

    /// Logout: forget the pair and the nonces at once, and delete the stored pair and any hand-over. The
    /// next [`Dpop::key`] makes a new pair; IndexedDB runs its transactions in the order they were opened,
    /// so a new pair stored after this call is not deleted.
    pub fn delete(&self) {
        self.key.borrow_mut().take();
        self.nonces.borrow_mut().clear();
        dpop_delete_js(&self.name);
    }

    /// Remember the `DPoP-Nonce` a response from `url`'s server carried (RFC 9449 §8.2, §9). Returns
    /// whether it is one the last proof to that server did not carry (a retry can then succeed).
    pub fn remember_nonce(&self, url: &str, nonce: Option<&str>) -> bool {
        self.nonces.borrow_mut().remember(url, nonce)
    }

    /// A proof for a `htm` request to `url` (RFC 9449 §4), to be signed on its way out (`web::http`): the
    /// key pair and the signing input with a fresh 128-bit `jti`, `iat` now, `ath` of `access_token` when the
    /// request carries one, and the latest nonce of that server. The key must be loaded (`create` does).
    pub fn proof(&self, htm: &str, url: &str, access_token: Option<&str>) -> Result<(JsValue, String)> {
        let key = self.loaded().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "the DPoP key pair is not loaded yet"))?;
        let jti = crypto::random_array::<16>()?;
        let nonce = self.nonces.borrow().get(url).map(String::from);
        let claims = Claims { jti: &jti, htm, url, iat: now_seconds(), access_token, nonce: nonce.as_deref() };
        Ok((key.pair.clone(), dpop::signing_input(&key.jwk, &claims)))
    }

    /// [`Dpop::proof`], signed: a promise of the compact proof JWT (a string).
    pub fn sign(&self, htm: &str, url: &str, access_token: Option<&str>) -> Result<Promise> {
        let (pair, input) = self.proof(htm, url, access_token)?;
        Ok(dpop_sign_js(&pair, &input))
    }
}
