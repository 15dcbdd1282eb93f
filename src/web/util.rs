//! Small browser helpers shared by the web modules: the global object, the clock, JS error plumbing,
//! and a one-shot "settle once" cell that turns callbacks (events, timers) into a Rust future.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Ref, RefCell, RefMut};
use core::task::{Poll, Waker};

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::core::error::{Error, ErrorCode, Result};

/// A value shared by the whole page: what `thread_local!` gives, also without std. A wasm32 module without
/// the `atomics` target feature runs on the one thread of its page (or worker), so a static is only ever
/// reached from that thread; `with` mirrors `LocalKey::with` so call sites read the same.
pub struct PageLocal<T>(T);

// SAFETY: see above: without `atomics` there is no second thread to share the value with.
unsafe impl<T> Sync for PageLocal<T> {}

#[cfg(target_feature = "atomics")]
compile_error!("stepup's web layer assumes one thread: build wasm32 without the atomics target feature");

impl<T> PageLocal<T> {
    pub const fn new(value: T) -> Self {
        PageLocal(value)
    }

    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0)
    }
}

/// A `RefCell` whose misuse (a borrow while a conflicting one is held: a bug of ours, never something an input
/// can cause) stops the module at once, as the panic it replaces does on wasm32 (panics abort there), but
/// without a panic location and message compiled in at each of the ~60 call sites.
pub struct TrapCell<T>(RefCell<T>);

impl<T> TrapCell<T> {
    pub const fn new(value: T) -> Self {
        TrapCell(RefCell::new(value))
    }

    #[inline]
    pub fn borrow(&self) -> Ref<'_, T> {
        self.0.try_borrow().unwrap_or_else(|_| trap())
    }

    #[inline]
    pub fn borrow_mut(&self) -> RefMut<'_, T> {
        self.0.try_borrow_mut().unwrap_or_else(|_| trap())
    }
}

impl<T: core::fmt::Debug> core::fmt::Debug for TrapCell<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

#[cold]
fn trap() -> ! {
    core::arch::wasm32::unreachable()
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `listen`: `target.addEventListener(kind, f)`; returns the function that removes it.
    fn listen(target: &JsValue, kind: &str, f: &JsValue) -> Function;
    /// glue.js `timer`: `setTimeout(f, ms)`, or `setInterval` when `repeat`; returns the function that clears it.
    fn timer(ms: i32, repeat: bool, f: &JsValue) -> Function;
    /// glue.js `channel`: `f` for each message on the BroadcastChannel `name`; returns the function that closes it.
    fn channel(name: &str, f: &JsValue) -> Function;
    /// glue.js `originOf` (see [`origin_of`]).
    #[wasm_bindgen(js_name = originOf)]
    fn origin_of_js(url: Option<&str>) -> JsValue;
    /// glue.js `monotonic`: `performance.now()`, which a change of the system clock does not move.
    pub fn monotonic() -> f64;
    /// glue.js `global`: `globalThis` (js-sys's `global()` tries four names through four imports).
    pub fn global() -> JsValue;
    /// glue.js `page`: the page's `window`, none in a worker.
    fn page() -> Option<web_sys::Window>;
}

/// glue.js `originOf`: `new URL(url).origin` ("" when `url` is not a URL), or this page's origin for `None`. (Strings
/// come back from JS as values read with `as_string`: one shared conversion instead of one in every import's shim.)
pub fn origin_of(url: Option<&str>) -> String {
    origin_of_js(url).as_string().unwrap_or_default()
}

/// An event listener, removed when dropped (gloo's `EventListener`): the popup's `message` and `abort` listeners and its
/// BroadcastChannel,
/// `popup::abortable`'s and a passkey ceremony's link to the caller's `AbortSignal`. glue.js `listen` pairs the
/// `addEventListener` with its `removeEventListener`, which this guard calls when dropped.
pub struct Listener {
    remove: Function,
    _callback: wasm_bindgen::closure::Closure<dyn FnMut(JsValue)>,
}

impl Listener {
    /// Boxed, so that every listener shares one `Closure` instantiation (taking the event as a `JsValue`: the type
    /// `web::task`'s promise callbacks have too).
    pub fn new(target: &web_sys::EventTarget, kind: &str, f: Box<dyn FnMut(JsValue)>) -> Listener {
        let callback = wasm_bindgen::closure::Closure::wrap(f);
        Listener { remove: listen(target, kind, callback.as_ref()), _callback: callback }
    }

    /// The messages of the BroadcastChannel `name`, closed when dropped (none where there is no BroadcastChannel).
    pub fn channel(name: &str, f: Box<dyn FnMut(JsValue)>) -> Listener {
        let callback = wasm_bindgen::closure::Closure::wrap(f);
        Listener { remove: channel(name, callback.as_ref()), _callback: callback }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.remove.call0(&JsValue::UNDEFINED);
    }
}

/// Add `f` (a function made with [`once`]) as a `kind` listener of `target` that is never removed: it lives as long
/// as the target does (the popup's `pagehide`, on the window of the popup's first document).
pub fn listen_forever(target: &JsValue, kind: &str, f: &JsValue) {
    listen(target, kind, f);
}

/// A `setTimeout` / `setInterval` of the page, cleared when dropped.
pub struct Timer {
    clear: Function,
    _callback: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

impl Timer {
    /// Every `ms` milliseconds when `repeat`, else once after `ms`. Boxed, as [`Listener`]'s callback.
    pub fn new(ms: i32, repeat: bool, f: Box<dyn FnMut()>) -> Timer {
        let callback = wasm_bindgen::closure::Closure::wrap(f);
        Timer { clear: timer(ms, repeat, callback.as_ref()), _callback: callback }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let _ = self.clear.call0(&JsValue::UNDEFINED);
    }
}

/// `f` as a JS function that runs it on its first call (later calls do nothing); JS owns it from then on. Boxed
/// into the same `Closure<dyn FnMut()>` as [`Timer`]'s callbacks, so no closure type brings its own shims. (Merged
/// into the listeners' `Closure<dyn FnMut(JsValue)>`, the wrapper closures measured +142 B of wasm raw for −16 B of glue.)
pub fn once(f: impl FnOnce() + 'static) -> JsValue {
    let mut f = Some(f);
    boxed(Box::new(move || {
        if let Some(f) = f.take() {
            f();
        }
    }))
}

#[inline(never)]
fn boxed(f: Box<dyn FnMut()>) -> JsValue {
    wasm_bindgen::closure::Closure::wrap(f).into_js_value()
}

/// Call `f` (a function made with [`once`]) once after `ms` milliseconds; nothing cancels it.
pub fn later(ms: i32, f: &JsValue) {
    timer(ms, false, f);
}

/// The page's `window`; flows that open popups or navigate need one (not a worker).
pub fn window() -> Result<web_sys::Window> {
    page().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "no window: this needs a browser page"))
}

/// Seconds since the epoch, as the integer the claim checks use. `Date.now()` is a safe integer in
/// milliseconds, so the division and conversion are exact.
pub fn now_seconds() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// Milliseconds since the epoch.
pub fn now_millis() -> f64 {
    js_sys::Date::now()
}

/// `obj[key]`, `undefined` when absent or when the getter throws.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key] = value` on an object we created; cannot fail for plain objects, so the result is ignored.
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// `obj[key] = "value"`.
pub fn set_str(obj: &JsValue, key: &str, value: &str) {
    set(obj, key, &JsValue::from_str(value));
}

/// A fresh `{}`.
pub fn object() -> JsValue {
    Object::new().into()
}

/// Whether an `AbortSignal` is aborted, and why: read as members (one `Reflect.get` import serves every getter).
pub fn is_aborted(signal: &JsValue) -> bool {
    get(signal, "aborted").is_truthy()
}

/// See [`is_aborted`].
pub fn abort_reason(signal: &JsValue) -> JsValue {
    get(signal, "reason")
}

/// The `name` of a thrown JS value (`"TypeError"`, `"NotSupportedError"`, …), empty when it has none.
pub fn error_name(err: &JsValue) -> String {
    get(err, "name").as_string().unwrap_or_default()
}

/// Await a promise, mapping a rejection to `code` with the original JS value as `cause`.
pub async fn await_promise(promise: Promise, code: ErrorCode, message: &'static str) -> Result<JsValue> {
    super::task::settled(promise).await.map_err(|e| Error::new(code, message).with_cause(e))
}

/// A one-shot result slot that wakes whoever waits for it when it is filled. Event listeners,
/// timers and abort signals all call [`Settle::settle`]; the first call wins and later ones are
/// ignored, so a message arriving after a timeout (or vice versa) cannot change the outcome.
pub struct Settle<T>(Rc<Slot<T>>);

/// What every clone of a [`Settle`] shares, in one allocation: the wakers ([`Waiting`], whose code is apart from `T`, so
/// one copy serves every slot type) and the value.
struct Slot<T> {
    waiting: Waiting,
    value: TrapCell<Option<T>>,
}

/// The wakers of the tasks waiting for a [`Settle`].
struct Waiting(TrapCell<Vec<Waker>>);

impl Waiting {
    #[inline(never)]
    fn add(&self, waker: &Waker) {
        let mut wakers = self.0.borrow_mut();
        if !wakers.iter().any(|w| w.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }

    #[inline(never)]
    fn wake(&self) {
        // Out of the cell before waking: a waker may run code that waits again.
        let wakers = core::mem::take(&mut *self.0.borrow_mut());
        for w in wakers {
            w.wake();
        }
    }
}

impl<T> Clone for Settle<T> {
    fn clone(&self) -> Self {
        Settle(self.0.clone())
    }
}

impl<T: Clone> Settle<T> {
    pub fn new() -> Self {
        Settle(Rc::new(Slot { waiting: Waiting(TrapCell::new(Vec::new())), value: TrapCell::new(None) }))
    }

    /// Fill the slot unless it is already filled; returns whether this call won.
    pub fn settle(&self, value: T) -> bool {
        {
            let mut slot = self.0.value.borrow_mut();
            if slot.is_some() {
                return false;
            }
            *slot = Some(value);
        }
        self.0.waiting.wake();
        true
    }

    pub fn is_settled(&self) -> bool {
        self.0.value.borrow().is_some()
    }

    /// The settled value, waiting for it if needed (always `Some`). Every clone gets the same value.
    pub async fn wait(&self) -> Option<T> {
        core::future::poll_fn(|cx| match self.0.value.borrow().as_ref() {
            Some(v) => Poll::Ready(Some(v.clone())),
            None => {
                self.0.waiting.add(cx.waker());
                Poll::Pending
            }
        })
        .await
    }
}

impl<T> core::fmt::Debug for Settle<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(if self.0.value.borrow().is_some() { "Settle(settled)" } else { "Settle(pending)" })
    }
}

impl<T: Clone> Default for Settle<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Cast a JS value we know the type of (checked with `instanceof`), else `None`.
pub fn cast<T: JsCast>(value: JsValue) -> Option<T> {
    value.dyn_into::<T>().ok()
}

/// Wait `ms` milliseconds (a `setTimeout` promise); used for short grace periods.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _reject| {
        let global = global();
        let set_timeout = get(&global, "setTimeout");
        if let Some(f) = set_timeout.dyn_ref::<Function>() {
            let _ = f.call2(&global, &resolve, &JsValue::from(ms));
        } else {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = super::task::settled(promise).await;
}
