//! Browser tests of the DPoP key store (`web::dpop`) in headless Chromium through wasm-bindgen-test: the
//! IndexedDB mode keeps one non-extractable key pair per client across loads (a reload creates a new `Dpop`
//! just like these tests do), the memory mode does not, logout's delete removes the stored pair, and the
//! redirect hand-over is taken exactly once.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use stepup::core::dpop;
use stepup::web::dpop::{Dpop, KeyStorage};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
function keys() {
  return new Promise((ok, ko) => {
    const open = indexedDB.open("stepup-dpop", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    open.onerror = () => ko(open.error);
    open.onsuccess = () => ok(open.result);
  });
}
// What IndexedDB holds under `name`: "none", or how exporting its private key ends, and its public thumbprint input.
export async function stored(name) {
  const db = await keys();
  const pair = await new Promise((ok) => {
    const req = db.transaction("keys").objectStore("keys").get(name);
    req.onsuccess = () => ok(req.result);
  });
  db.close();
  if (!pair) return "none";
  const exported = await crypto.subtle.exportKey("jwk", pair.privateKey).then(() => "exported", (e) => e.name);
  const { x, y } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return `${exported} ${pair.privateKey.extractable} ${x} ${y}`;
}
// Wait until the background delete of logout has run (IndexedDB runs transactions in order).
export async function settled() {
  const db = await keys();
  await new Promise((ok) => { const tx = db.transaction("keys", "readwrite"); tx.oncomplete = ok; });
  db.close();
}
"#)]
extern "C" {
    fn stored(name: &str) -> js_sys::Promise;
    fn settled() -> js_sys::Promise;
}

async fn stored_at(name: &str) -> String {
    JsFuture::from(stored(name)).await.unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
async fn indexeddb_keeps_one_non_extractable_pair_per_client_until_deleted() {
    let (issuer, client) = ("https://idp.example", "web-dpop-test");
    let name = "https://idp.example\nweb-dpop-test";
    let first = Dpop::new(issuer, client, KeyStorage::IndexedDb);
    let jkt = first.key().await.unwrap().thumbprint().to_string();

    // Stored: the private key is not extractable, and the stored public key is the one whose thumbprint we use.
    let entry = stored_at(name).await;
    let parts: Vec<&str> = entry.split(' ').collect();
    assert_eq!(&parts[..2], ["InvalidAccessError", "false"], "{entry}");
    assert_eq!(dpop::thumbprint(&dpop::public_jwk(parts[2], parts[3])), jkt);

    // A page load later (a new Dpop): the same pair. Another client of the same issuer: another pair.
    let again = Dpop::new(issuer, client, KeyStorage::IndexedDb);
    assert_eq!(again.key().await.unwrap().thumbprint(), jkt);
    let other = Dpop::new(issuer, "another-client", KeyStorage::IndexedDb);
    assert_ne!(other.key().await.unwrap().thumbprint(), jkt);

    // Logout: the pair is forgotten at once and deleted from IndexedDB; the next one is new.
    again.delete();
    assert!(again.loaded().is_none());
    JsFuture::from(settled()).await.unwrap();
    assert_eq!(stored_at(name).await, "none");
    let next = Dpop::new(issuer, client, KeyStorage::IndexedDb);
    assert_ne!(next.key().await.unwrap().thumbprint(), jkt);
    assert!(stored_at("https://idp.example\nanother-client").await.starts_with("InvalidAccessError"), "other clients keep theirs");
}

/// Two tabs loading the same client's pair at once, with none stored yet: both end with the one that was stored
/// first (`add`, not `put`), so a reload finds the key their tokens are bound to.
#[wasm_bindgen_test]
async fn two_tabs_making_the_first_pair_at_once_agree_on_one() {
    let tab = |_| {
        let dpop = Dpop::new("https://idp.example", "web-dpop-race", KeyStorage::IndexedDb);
        wasm_bindgen_futures::future_to_promise(async move { Ok(JsValue::from_str(dpop.key().await.unwrap().thumbprint())) })
    };
    let both = JsFuture::from(js_sys::Promise::all(&js_sys::Array::of2(&tab(1), &tab(2)))).await.unwrap();
    let both: js_sys::Array = both.into();
    assert_eq!(both.get(0), both.get(1));
    let stored = stored_at("https://idp.example\nweb-dpop-race").await;
    let parts: Vec<&str> = stored.split(' ').collect();
    assert_eq!(JsValue::from_str(&dpop::thumbprint(&dpop::public_jwk(parts[2], parts[3]))), both.get(0));
}

#[wasm_bindgen_test]
async fn memory_keys_are_not_stored_and_a_redirect_hand_over_is_taken_once() {
    let name = "https://idp.example\nweb-dpop-memory";
    let page = Dpop::new("https://idp.example", "web-dpop-memory", KeyStorage::Memory);
    let jkt = page.key().await.unwrap().thumbprint().to_string();
    assert_eq!(stored_at(name).await, "none", "memory: nothing in IndexedDB");
    // A reload in memory mode makes another pair.
    let reloaded = Dpop::new("https://idp.example", "web-dpop-memory", KeyStorage::Memory);
    assert_ne!(reloaded.key().await.unwrap().thumbprint(), jkt);

    // The callback of a redirect takes the pair stored under its state; a second take finds nothing (a new pair).
    let handoff = "https://idp.example\nweb-dpop-memory\nstate123";
    JsFuture::from(store_pair_of(&page, handoff)).await.unwrap();
    let callback = Dpop::new("https://idp.example", "web-dpop-memory", KeyStorage::Memory);
    callback.take_handoff("state123").await.unwrap();
    assert_eq!(callback.loaded().unwrap().thumbprint(), jkt);
    assert_eq!(stored_at(handoff).await, "none", "taken out");
    let second = Dpop::new("https://idp.example", "web-dpop-memory", KeyStorage::Memory);
    second.take_handoff("state123").await.unwrap();
    assert_ne!(second.loaded().unwrap().thumbprint(), jkt);
}

/// Store `dpop`'s pair under `name` the way a redirect's hand-over does (glue.js `dpopLeave` without the
/// navigation): through a proof's key pair, which `Dpop::proof` hands out.
fn store_pair_of(dpop: &Dpop, name: &str) -> js_sys::Promise {
    let (pair, _) = dpop.proof("GET", "https://api.example/", None).unwrap();
    put(name, &pair)
}

#[wasm_bindgen(inline_js = r#"
export function put(name, pair) {
  return new Promise((ok, ko) => {
    const open = indexedDB.open("stepup-dpop", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    open.onerror = () => ko(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction("keys", "readwrite");
      tx.objectStore("keys").put(pair, name);
      tx.oncomplete = () => { open.result.close(); ok(); };
    };
  });
}
"#)]
extern "C" {
    fn put(name: &str, pair: &JsValue) -> js_sys::Promise;
}
