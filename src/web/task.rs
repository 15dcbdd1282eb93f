//! The page's futures: a task queue drained in a microtask, a promise as a future, a future as a promise.
//!
//! Why not `wasm-bindgen-futures`: its executor also carries a JSPI waker, a fallback for pages without
//! `queueMicrotask` and js-sys's lookup of the global object through four imports; replacing it took 839 B gzip off
//! the npm package. What the flows need of it is three things: run a future to its end, await a JS promise, hand a
//! JS caller a promise. The Rust adapters (Leptos, Yew) keep using
//! theirs; both executors only ever queue microtasks, so they share a page without knowing of each other.
//!
//! One thread (the page's; `util::PageLocal` says why that holds), so the `Rc`s behind the wakers are never
//! touched concurrently even though `Waker` is `Send`.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::util::{get, PageLocal, TrapCell};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(f: &JsValue);
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// glue.js `deferred`: `[promise, resolve, reject]`.
    fn deferred() -> JsValue;
    /// glue.js `settle`: resolve (`ok`) or reject a `deferred` with `value`.
    fn settle(deferred: &JsValue, ok: bool, value: &JsValue);
    /// glue.js `whenSettled`: `f([true, value])` when `promise` fulfils, `f([false, reason])` when it rejects.
    #[wasm_bindgen(js_name = whenSettled)]
    fn when_settled(promise: &Promise, f: &JsValue);
}

type Boxed = Pin<Box<dyn Future<Output = ()>>>;

/// A spawned future; `None` once it finished.
struct Task {
    future: TrapCell<Option<Boxed>>,
    queued: Cell<bool>,
}

/// Tasks woken since the last drain, and the one JS function that drains them (made on first use).
static QUEUE: PageLocal<TrapCell<Vec<Rc<Task>>>> = PageLocal::new(TrapCell::new(Vec::new()));
static DRAIN: PageLocal<TrapCell<Option<JsValue>>> = PageLocal::new(TrapCell::new(None));

/// Run `future` to its end, polling it first in a microtask (not inside this call).
pub fn spawn(future: impl Future<Output = ()> + 'static) {
    spawn_boxed(Box::pin(future));
}

#[inline(never)]
fn spawn_boxed(future: Boxed) {
    schedule(Rc::new(Task { future: TrapCell::new(Some(future)), queued: Cell::new(false) }));
}

/// Queue `task` unless it already is; the first task of a batch queues the drain.
fn schedule(task: Rc<Task>) {
    if task.queued.replace(true) {
        return;
    }
    let first = QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        q.push(task);
        q.len() == 1
    });
    if first {
        DRAIN.with(|d| {
            let mut d = d.borrow_mut();
            let f = d.get_or_insert_with(|| wasm_bindgen::closure::Closure::<dyn FnMut()>::wrap(Box::new(drain)).into_js_value());
            queue_microtask(f);
        });
    }
}

/// Poll every queued task, including those woken meanwhile. The queue is not borrowed while a task runs, so a
/// task may wake itself or others.
fn drain() {
    loop {
        let batch = QUEUE.with(|q| core::mem::take(&mut *q.borrow_mut()));
        if batch.is_empty() {
            return;
        }
        for task in batch {
            run(task);
        }
    }
}

fn run(task: Rc<Task>) {
    task.queued.set(false);
    let waker = waker(&task);
    let mut slot = task.future.borrow_mut();
    if let Some(future) = slot.as_mut() {
        if future.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
            *slot = None;
        }
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake, wake_by_ref, drop_waker);

fn waker(task: &Rc<Task>) -> Waker {
    // SAFETY: the pointer is an `Rc<Task>` given to the waker, and every function of VTABLE treats it as one.
    unsafe { Waker::from_raw(RawWaker::new(Rc::into_raw(task.clone()).cast(), &VTABLE)) }
}

// SAFETY (the four below): `p` came from `Rc::into_raw` of an `Rc<Task>` in `waker`, and each call keeps the
// count right: clone adds one, wake consumes the waker's, wake_by_ref borrows it, drop releases it.
unsafe fn clone_waker(p: *const ()) -> RawWaker {
    Rc::increment_strong_count(p.cast::<Task>());
    RawWaker::new(p, &VTABLE)
}

unsafe fn wake(p: *const ()) {
    schedule(Rc::from_raw(p.cast::<Task>()));
}

unsafe fn wake_by_ref(p: *const ()) {
    Rc::increment_strong_count(p.cast::<Task>());
    schedule(Rc::from_raw(p.cast::<Task>()));
}

unsafe fn drop_waker(p: *const ()) {
    drop(Rc::from_raw(p.cast::<Task>()));
}

/// A JS promise as a future of its outcome: `Ok` with the value it resolved to, `Err` with the reason it
/// rejected with. Dropping the future before the promise settles is fine: the callback then finds nobody waiting.
pub struct Settled {
    state: Rc<TrapCell<Outcome>>,
}

/// The promise's outcome once it settled (glue.js `whenSettled`'s `[fulfilled, value]`), and the waker of the task
/// waiting for it.
type Outcome = (Option<JsValue>, Option<Waker>);

/// A [`Settled`] of `promise`. The callback is owned by JS (freed with the promise).
pub fn settled(promise: Promise) -> Settled {
    let state: Rc<TrapCell<Outcome>> = Rc::new(TrapCell::new((None, None)));
    let s = state.clone();
    let callback = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::wrap(Box::new(move |outcome: JsValue| {
        let waker = {
            let mut s = s.borrow_mut();
            s.0 = Some(outcome);
            s.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }));
    when_settled(&promise, &callback.into_js_value());
    Settled { state }
}

impl Future for Settled {
    type Output = Result<JsValue, JsValue>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.state.borrow_mut();
        match s.0.take() {
            Some(outcome) => {
                let value = get(&outcome, "1");
                Poll::Ready(if get(&outcome, "0").is_truthy() { Ok(value) } else { Err(value) })
            }
            None => {
                s.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// A promise of `future`'s outcome for a JS caller, the future run by [`spawn`].
pub fn promise(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    promise_boxed(Box::pin(future))
}

#[inline(never)]
fn promise_boxed(future: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>) -> Promise {
    let d = deferred();
    let promise = get(&d, "0").unchecked_into();
    spawn(async move {
        match future.await {
            Ok(v) => settle(&d, true, &v),
            Err(e) => settle(&d, false, &e),
        }
    });
    promise
}
